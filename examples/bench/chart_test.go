package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestChartDrawsEverySeries(t *testing.T) {
	var rows []row
	for _, n := range []int{100, 1000} {
		for _, bl := range baselines {
			rows = append(rows, row{Name: decisionRow, Teammates: n, NsPerOp: 1000,
				Baseline: bl.name, BaselineNsPerOp: float64(n) * 10})
		}
	}
	path := filepath.Join(t.TempDir(), "decision.svg")
	if err := chart(rows, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(b)
	for _, want := range []string{"<svg", "engine", "linear-scan", "sqlite-index", "sqlite-sorted"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}
