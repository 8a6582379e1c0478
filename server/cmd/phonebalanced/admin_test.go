package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The admin token comes from -admin-token-file, else the environment,
// else <data>/admin-token, generated once (mode 0600), another secret
// than the host token.
func TestLoadAdminToken(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if adminTokenGiven("", dir, getenv) {
		t.Fatal("an admin token counts as given before any exists")
	}
	host, _, err := loadToken("", dir, getenv)
	if err != nil {
		t.Fatal(err)
	}
	admin, where, err := loadAdminToken("", dir, getenv)
	if err != nil || len(admin) != 64 || admin == host || !strings.Contains(where, "PHONEBALANCE_ADMIN_TOKEN") {
		t.Fatalf("generated: %q %q %v (host %q)", admin, where, err, host)
	}
	fi, err := os.Stat(filepath.Join(dir, adminTokenFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin token file: %v %v", fi, err)
	}
	if again, _, _ := loadAdminToken("", dir, getenv); again != admin || !adminTokenGiven("", dir, getenv) {
		t.Fatalf("second start: %q, first %q", again, admin)
	}
	env["PHONEBALANCE_ADMIN_TOKEN"] = "admin-from-the-environment"
	if got, _, _ := loadAdminToken("", dir, getenv); got != "admin-from-the-environment" {
		t.Fatalf("with the environment: %q", got)
	}
}

// A node joining a cluster needs the cluster's admin token: one
// generated on the spot could never be accepted, so the start is refused
// before anything listens, saying what to give.
func TestJoinNeedsAdminToken(t *testing.T) {
	dir := t.TempDir()
	getenv := func(k string) string {
		if k == "PHONEBALANCE_TOKEN" {
			return testToken
		}
		return ""
	}
	err := run(context.Background(), []string{"-data", dir, "-http", "127.0.0.1:0", "-raft", "127.0.0.1:0", "-join", "127.0.0.1:1"},
		io.Discard, getenv, fixed(Options{}))
	if err == nil || !strings.Contains(err.Error(), "PHONEBALANCE_ADMIN_TOKEN") {
		t.Fatalf("-join without an admin token: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, adminTokenFileName)); err == nil {
		t.Fatal("an admin token was generated for a joining node")
	}
}
