//go:build race

package main

// raceFlags build the server the way this test binary was built, so that
// the build reuses the packages the test already compiled.
var raceFlags = []string{"-race"}
