package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/phonebalance/phonebalance/server/backup"
)

// backupCommand is "phonebalanced backup -from URL -o FILE": it asks the
// node at URL for a consistent copy (GET /v1/cluster/backup, with the
// admin token: -admin-token-file, else $PHONEBALANCE_ADMIN_TOKEN), checks
// the archive against its manifest, and writes it to FILE (through a
// temporary file renamed when complete).
func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("phonebalanced backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "base URL of the node to back up (http://10.0.0.5:8080, https://... with -tls-cert)")
	out := fs.String("o", "", "file to write the backup to (a tar file)")
	adminFile := fs.String("admin-token-file", "", "file holding the cluster's admin token (else $PHONEBALANCE_ADMIN_TOKEN)")
	caFile := fs.String("tls-ca", "", "PEM CA bundle that verifies the node's HTTPS certificate (default: the system's roots)")
	timeout := fs.Duration("timeout", time.Hour, "how long the whole backup may take")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *out == "" || fs.NArg() > 0 {
		return errors.New("usage: phonebalanced backup -from URL -o FILE")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: give a new file", *out)
	}
	token, err := adminTokenFor(*adminFile, getenv)
	if err != nil {
		return err
	}
	client, err := adminClient(*caFile)
	if err != nil {
		return err
	}
	base := *from
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/v1/cluster/backup", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("backup from %s: %s: %s", *from, resp.Status, strings.TrimSpace(string(b)))
	}
	tmp := *out + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// The archive is checked as it is written: the manifest comes last.
	m, _, err := backup.Read(io.TeeReader(resp.Body, f), io.Discard)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup from %s: %w", *from, err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup of %s at raft index %d written to %s\n", m.Node, m.Index, *out)
	return nil
}

// adminTokenFor reads the admin token from file, else the environment.
func adminTokenFor(file string, getenv func(string) string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	if t := strings.TrimSpace(getenv("PHONEBALANCE_ADMIN_TOKEN")); t != "" {
		return t, nil
	}
	return "", errors.New("no admin token: give -admin-token-file or $PHONEBALANCE_ADMIN_TOKEN")
}

// adminClient is an HTTP client verifying HTTPS with caFile's roots (the
// system's when empty), never through a proxy of the environment.
func adminClient(caFile string) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls-ca %s holds no PEM certificate", caFile)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t}, nil
}
