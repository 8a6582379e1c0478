package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The token comes from -token-file, else the environment, else a file
// generated once in the data directory (mode 0600) and reused after.
func TestLoadToken(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }

	tok, where, err := loadToken("", dir, getenv)
	if err != nil || len(tok) != 64 || !strings.Contains(where, "generated into") {
		t.Fatalf("generated: %q %q %v", tok, where, err)
	}
	fi, err := os.Stat(filepath.Join(dir, tokenFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	again, _, err := loadToken("", dir, getenv)
	if err != nil || again != tok {
		t.Fatalf("second start: %q, first %q (%v)", again, tok, err)
	}

	env["PHONEBALANCE_TOKEN"] = "from-the-environment-0123"
	if got, _, _ := loadToken("", dir, getenv); got != "from-the-environment-0123" {
		t.Fatalf("with the environment: %q", got)
	}
	file := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(file, []byte("from-the-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := loadToken(file, dir, getenv); got != "from-the-file-0123456789" {
		t.Fatalf("with -token-file: %q", got)
	}
	if _, _, err := loadToken(filepath.Join(dir, "missing"), dir, getenv); err == nil {
		t.Fatal("a missing -token-file was accepted")
	}
}

// Flags that cannot work are refused before anything starts.
func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-join", "127.0.0.1:8080"},
		{"-data", ""},
		{"-ring-timeout", "soon"},
		{"extra-argument"},
		{"-raft", "127.0.0.1:7000", "-http", ":8080"},
		{"-raft", "127.0.0.1:7000", "-http", "0.0.0.0:8080"},
		{"-raft", "127.0.0.1:7000", "-http", "[::]:8080"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	c, err := parseFlags(nil, io.Discard)
	if err != nil || c.data != "./phonebalance-data" || c.http != "127.0.0.1:8080" || c.raft != "" || c.demo {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	// A ring timeout the engine refuses, or a short token, stops run.
	if err := run(t.Context(), []string{"-data", t.TempDir(), "-ring-timeout", "0s"}, io.Discard,
		func(string) string { return "" }, fixed(Options{})); err == nil {
		t.Fatal("run accepted a zero ring timeout")
	}
	if err := run(t.Context(), []string{"-data", t.TempDir(), "-http", "127.0.0.1:0"}, io.Discard,
		func(string) string { return "short" }, fixed(Options{})); err == nil {
		t.Fatal("run accepted a short token")
	}
}
