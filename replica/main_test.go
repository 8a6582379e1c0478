package replica

import (
	"flag"
	"os"
	"testing"
)

// TestMain runs the child process of the durability test when asked to
// (helperEnv), and otherwise keeps the raft property test to a number of
// cases that fits the suite's time budget, unless the command line or the
// environment (RAPID_CHECKS, RAPID_STEPS) chose otherwise.
func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["rapid.checks"] && os.Getenv("RAPID_CHECKS") == "" {
		_ = flag.Set("rapid.checks", "6")
	}
	if !set["rapid.steps"] && os.Getenv("RAPID_STEPS") == "" {
		_ = flag.Set("rapid.steps", "40")
	}
	os.Exit(m.Run())
}
