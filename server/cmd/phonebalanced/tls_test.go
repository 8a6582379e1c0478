package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/internal/testcert"
)

// A node of a cluster over TLS: HTTPS with -tls-cert/-tls-key, raft over
// mutual TLS with the -raft-tls-* flags. The login cookie is Secure over
// HTTPS. A renewed certificate written over the files (their times kept,
// so that only the signal can tell) is served after SIGHUP, without a
// restart.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	httpPair := testcert.New(t, dir, "http", 1)
	raftPair := testcert.New(t, dir, "raft", 7)
	c := startChild(t, "-data", filepath.Join(dir, "data"), "-http", "127.0.0.1:0", "-raft", "127.0.0.1:0",
		"-tls-cert", httpPair.CertFile, "-tls-key", httpPair.KeyFile,
		"-raft-tls-cert", raftPair.CertFile, "-raft-tls-key", raftPair.KeyFile, "-raft-tls-ca", raftPair.CertFile)
	eventually(t, 10*time.Second, "the banner says https", func() bool {
		return strings.Contains(c.stderr(), "listening on https://")
	})
	renewed := testcert.New(t, t.TempDir(), "renewed", 2)
	roots := x509.NewCertPool()
	roots.AddCert(httpPair.Cert)
	roots.AddCert(renewed.Cert)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, DisableKeepAlives: true}}
	base := "https://" + c.addr
	get := func(path, token string) (*http.Response, error) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	serial := func() int64 {
		t.Helper()
		resp, err := get("/healthz", testToken)
		if err != nil {
			t.Fatal(err)
		}
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	// Raft runs over TLS: the node elects itself and takes writes.
	var cl api.ClusterBody
	eventually(t, 30*time.Second, "the node leads", func() bool {
		req, _ := http.NewRequest("GET", base+"/v1/cluster", nil)
		req.Header.Set("Authorization", "Bearer "+testAdminToken)
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b := new(strings.Builder)
		_, _ = io.Copy(b, resp.Body)
		return resp.StatusCode == http.StatusOK && decodeInto(b.String(), &cl) && cl.IsLeader
	})
	raftAddr := c.raftAddr(t, cl)
	// raftServes reports the serial of raft's certificate, dialing with
	// pair as client certificate and root.
	raftServes := func(pair testcert.Pair) (int64, error) {
		cert, err := tls.LoadX509KeyPair(pair.CertFile, pair.KeyFile)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := tls.Dial("tcp", raftAddr, &tls.Config{RootCAs: pair.Pool, Certificates: []tls.Certificate{cert}})
		if err != nil {
			return 0, err
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64(), nil
	}
	if got, err := raftServes(raftPair); err != nil || got != 7 {
		t.Fatalf("raft serves serial %d (%v), want 7", got, err)
	}
	if got := serial(); got != 1 {
		t.Fatalf("serves serial %d, want 1", got)
	}
	resp, err := client.PostForm(base+"/login", url.Values{"token": {testToken}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(resp.Cookies()) != 1 || !resp.Cookies()[0].Secure {
		t.Fatalf("login over HTTPS: %d, cookies %v, want one Secure cookie", resp.StatusCode, resp.Cookies())
	}

	// The renewals, HTTP's and raft's (its CA bundle is its certificate
	// file), written over the files with their times kept.
	renewedRaft := testcert.New(t, t.TempDir(), "renewed-raft", 8)
	for from, to := range map[string]string{renewed.CertFile: httpPair.CertFile, renewed.KeyFile: httpPair.KeyFile,
		renewedRaft.CertFile: raftPair.CertFile, renewedRaft.KeyFile: raftPair.KeyFile} {
		fi, err := os.Stat(to)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(to, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	if got := serial(); got != 1 {
		t.Fatalf("before SIGHUP: serves serial %d, want 1", got)
	}
	if got, err := raftServes(renewedRaft); err == nil {
		t.Fatalf("before SIGHUP: raft accepts the renewed certificate and serves serial %d", got)
	}
	if err := syscall.Kill(c.cmd.Process.Pid, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the renewed certificate after SIGHUP", func() bool { return serial() == 2 })
	eventually(t, 30*time.Second, "raft's renewed certificate and CA after SIGHUP", func() bool {
		got, err := raftServes(renewedRaft)
		return err == nil && got == 8
	})

	// A second node joins over HTTPS (-join without a scheme: the node's
	// own), verifying the first with -tls-ca, and raft over mutual TLS;
	// a write sent to it, a follower, is forwarded to the leader over
	// HTTPS.
	bundle := filepath.Join(dir, "ca-bundle.crt")
	var pems []byte
	for _, f := range []string{renewed.CertFile, raftPair.CertFile} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pems = append(pems, b...)
	}
	if err := os.WriteFile(bundle, pems, 0o600); err != nil {
		t.Fatal(err)
	}
	c2 := startChild(t, "-data", filepath.Join(dir, "data2"), "-http", "127.0.0.1:0", "-raft", "127.0.0.1:0", "-join", c.addr,
		"-tls-cert", httpPair.CertFile, "-tls-key", httpPair.KeyFile, "-tls-ca", bundle,
		"-raft-tls-cert", raftPair.CertFile, "-raft-tls-key", raftPair.KeyFile, "-raft-tls-ca", raftPair.CertFile)
	post := func(base, path, body string) int {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	eventually(t, 30*time.Second, "a write through the follower", func() bool {
		code := post("https://"+c2.addr, "/v1/workspaces/default/teams", `{"id":"tls","name":"TLS"}`)
		return code == http.StatusCreated || code == http.StatusConflict
	})
	if resp, err := get("/v1/workspaces/default/teams/tls", testToken); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the forwarded write on the leader: %v %v", resp, err)
	}
	for _, n := range []*child{c2, c} {
		if err := n.stop(); err != nil {
			t.Fatalf("%v\n%s", err, n.stderr())
		}
	}
}

// Behind a TLS-terminating proxy (-behind-tls-proxy) the login cookie is
// Secure although the request came over plain HTTP; without the flag it
// is not (a plain-HTTP server on a laptop must keep working).
func TestBehindTLSProxySecureCookie(t *testing.T) {
	login := func(c *child) *http.Cookie {
		t.Helper()
		client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.PostForm("http://"+c.addr+"/login", url.Values{"token": {testToken}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(resp.Cookies()) != 1 {
			t.Fatalf("login: %d, cookies %v", resp.StatusCode, resp.Cookies())
		}
		return resp.Cookies()[0]
	}
	dir := t.TempDir()
	proxied := startChild(t, "-data", filepath.Join(dir, "a"), "-http", "127.0.0.1:0", "-behind-tls-proxy")
	if !login(proxied).Secure {
		t.Fatal("-behind-tls-proxy: the login cookie is not Secure")
	}
	if err := proxied.stop(); err != nil {
		t.Fatal(err)
	}
	plain := startChild(t, "-data", filepath.Join(dir, "b"), "-http", "127.0.0.1:0")
	if login(plain).Secure {
		t.Fatal("plain HTTP without -behind-tls-proxy: the login cookie is Secure")
	}
	if err := plain.stop(); err != nil {
		t.Fatal(err)
	}
}
