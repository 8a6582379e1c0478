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

// tokenFileName is the generated token's file in the data directory;
// adminTokenFileName the admin token's.
const (
	tokenFileName      = "token"
	adminTokenFileName = "admin-token"
)

// loadToken returns the API (host) token and a sentence saying where it
// came from: the -token-file if given, else $PHONEBALANCE_TOKEN, else the
// data directory's token file, generated (32 random bytes, hex, mode
// 0600) the first time.
func loadToken(tokenFile, dataDir string, getenv func(string) string) (token, where string, err error) {
	return loadSecret(tokenFile, "PHONEBALANCE_TOKEN", filepath.Join(dataDir, tokenFileName), getenv)
}

// loadAdminToken returns the cluster's admin token as loadToken does the
// host token: -admin-token-file, else $PHONEBALANCE_ADMIN_TOKEN, else
// <data>/admin-token, generated the first time.
func loadAdminToken(file, dataDir string, getenv func(string) string) (token, where string, err error) {
	return loadSecret(file, "PHONEBALANCE_ADMIN_TOKEN", filepath.Join(dataDir, adminTokenFileName), getenv)
}

// adminTokenGiven reports whether the admin token comes from the flag or
// the environment, or from a file of the data directory made before:
// whether it can be the cluster's, not one generated now.
func adminTokenGiven(file, dataDir string, getenv func(string) string) bool {
	if file != "" || getenv("PHONEBALANCE_ADMIN_TOKEN") != "" {
		return true
	}
	_, err := os.Stat(filepath.Join(dataDir, adminTokenFileName))
	return err == nil
}

// loadSecret reads a token from file, else the environment variable env,
// else path, which it generates (32 random bytes, hex, mode 0600) when
// missing.
func loadSecret(file, env, path string, getenv func(string) string) (token, where string, err error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", "", err
		}
		return strings.TrimSpace(string(b)), "from " + file, nil
	}
	if t := getenv(env); t != "" {
		return strings.TrimSpace(t), "from $" + env, nil
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		return strings.TrimSpace(string(b)), "in " + path + " (export " + env + "=$(cat " + path + "))", nil
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
	return token, fmt.Sprintf("generated into %s (export %s=$(cat %s))", path, env, path), nil
}
