package assign

import (
	"flag"
	"os"
	"testing"
)

// TestMain gives the property tests longer sequences and more of them than
// rapid's defaults, unless the command line or the environment
// (RAPID_CHECKS, RAPID_STEPS) chose otherwise.
func TestMain(m *testing.M) {
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["rapid.checks"] && os.Getenv("RAPID_CHECKS") == "" {
		_ = flag.Set("rapid.checks", "1000")
	}
	if !set["rapid.steps"] && os.Getenv("RAPID_STEPS") == "" {
		_ = flag.Set("rapid.steps", "100")
	}
	os.Exit(m.Run())
}
