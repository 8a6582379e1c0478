package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tokenFileName is the generated token's file in the data directory.
const tokenFileName = "token"

// loadToken returns the API token and a sentence saying where it came
// from: the -token-file if given, else $PHONEBALANCE_TOKEN, else the data
// directory's token file, generated (32 random bytes, hex, mode 0600) the
// first time.
func loadToken(tokenFile, dataDir string, getenv func(string) string) (token, where string, err error) {
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return "", "", err
		}
		return strings.TrimSpace(string(b)), "from " + tokenFile, nil
	}
	if t := getenv("PHONEBALANCE_TOKEN"); t != "" {
		return strings.TrimSpace(t), "from $PHONEBALANCE_TOKEN", nil
	}
	path := filepath.Join(dataDir, tokenFileName)
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return strings.TrimSpace(string(b)), "in " + path + " (export PHONEBALANCE_TOKEN=$(cat " + path + "))", nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", "", err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", "", err
	}
	token = hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", err
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return "", "", err
	}
	if err := f.Close(); err != nil {
		return "", "", err
	}
	return token, fmt.Sprintf("generated into %s (export PHONEBALANCE_TOKEN=$(cat %s))", path, path), nil
}
