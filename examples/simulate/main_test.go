package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRunJSON(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"-teammates", "12", "-rate", "120", "-hours", "1", "-ivr", "20", "-autoanswer", "-json"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("last line is not JSON: %v", err)
	}
	for _, k := range []string{"calls", "answered", "abandoned", "deflected", "missed", "declined",
		"p_wait", "asa_seconds", "service_level", "wall_ms"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if got["calls"].(float64) == 0 || got["missed"].(float64) != 0 {
		t.Errorf("auto-answer hour: %v", got)
	}
	if !strings.Contains(out.String(), "service level") {
		t.Error("no human-readable summary before the JSON")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-teammates", "0"}, {"-p-miss", "2"}, {"stray"}, {"-report", "x.txt", "-hours", "0.1"}} {
		if err := run(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
