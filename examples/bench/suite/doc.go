// Package suite builds engine states with a realistic mix of teammates
// and holds the workloads measured by this module's benchmarks, so that
// `go test -bench` and the command in the module root run the same code.
package suite
