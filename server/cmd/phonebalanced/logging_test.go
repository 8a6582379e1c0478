package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func TestLogFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-log-format", "xml"},
		{"-log-level", "loud"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("parseFlags(%q) = %v, want an error naming %s", args, err, args[0])
		}
	}

	var buf bytes.Buffer
	logger, err := newLogger(&buf, "json", "warn")
	if err != nil {
		t.Fatal(err)
	}
	logger.Info("not at warn")
	logger.Warn("kept", "call", "c1")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatalf("one JSON record expected, got %q: %v", buf.String(), err)
	}
	if rec["msg"] != "kept" || rec["call"] != "c1" || rec["level"] != "WARN" {
		t.Fatalf("record %v", rec)
	}

	buf.Reset()
	logger, err = newLogger(&buf, "text", "debug")
	if err != nil {
		t.Fatal(err)
	}
	logger.Debug("ring", "teammate", "ana")
	if got := buf.String(); !strings.Contains(got, "level=DEBUG") || !strings.Contains(got, "teammate=ana") {
		t.Fatalf("text debug line %q", got)
	}
}
