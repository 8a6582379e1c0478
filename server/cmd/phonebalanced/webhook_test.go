package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -webhook needs its secret file, and is a telephony side of its own.
func TestWebhookFlags(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := wiring(config{webhook: "http://127.0.0.1:9/hook", webhookSecretFile: secret}, logger)
	if err != nil || opts.Telephony == nil {
		t.Fatalf("wiring: %v", err)
	}
	for _, c := range []config{
		{webhook: "http://127.0.0.1:9/hook"},
		{webhook: "http://127.0.0.1:9/hook", webhookSecretFile: filepath.Join(t.TempDir(), "missing")},
		{webhook: "http://127.0.0.1:9/hook", webhookSecretFile: secret, demo: true, demoRate: 10},
	} {
		if _, err := wiring(c, logger); err == nil || !strings.Contains(err.Error(), "webhook") {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
