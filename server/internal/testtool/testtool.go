// Package testtool finds the external programs that some tests drive
// (SIPp, Chromium, Prometheus) and decides what a test does when one is
// missing.
//
// On a developer's machine a missing program skips the test with a message
// naming the command that installs it (scripts/test, from the repository
// root). In continuous integration (the environment variable CI is set and
// not "false" or "0") a missing program fails the test: CI installs every
// program, so a missing one is a broken set-up, never a silent skip.
//
// It is safe for concurrent use: it only reads the environment and the
// PATH.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Tool names a program a test needs and where it comes from.
type Tool struct {
	// Names are the executable names tried on the PATH, in order.
	Names []string
	// Package is the Debian package that installs it.
	Package string
}

// The programs the server's tests drive.
var (
	// SIPp is the SIP traffic generator (Debian's sip-tester).
	SIPp = Tool{Names: []string{"sipp"}, Package: "sip-tester"}
	// Chromium is a headless browser for the page tests; Chromium's own
	// build or Google Chrome serves as well.
	Chromium = Tool{Names: []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}, Package: "chromium"}
	// Prometheus is the monitoring server the shipped rules and dashboard
	// are checked against.
	Prometheus = Tool{Names: []string{"prometheus"}, Package: "prometheus"}
	// PromTool checks Prometheus rule files (Debian's prometheus ships it).
	PromTool = Tool{Names: []string{"promtool"}, Package: "prometheus"}
)

// InCI reports whether the tests run in continuous integration, where a
// missing program is a failure rather than a skip.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false" && v != "0"
}

// Find returns the path of the first of tool's names found on the PATH,
// or "" if none is.
func Find(tool Tool) string {
	for _, name := range tool.Names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Require returns the path of tool. When it is missing it skips the test
// with the command that installs it, or fails it when [InCI] holds.
func Require(t testing.TB, tool Tool) string {
	t.Helper()
	if p := Find(tool); p != "" {
		return p
	}
	msg := "this test needs " + tool.Names[0] + " (Debian package " + tool.Package +
		"), which is not on the PATH; scripts/test from the repository root installs it and runs every test"
	if InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
