package api_test

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/api"
	"github.com/phonebalance/phonebalance/server/internal/testcert"
)

// Over TLS the connection policy still tells a busy connection from a
// silent one: an authenticated keep-alive TLS connection survives the
// eviction that makes room for a waiting client, and the silent one is
// closed. (The server's ConnState hook sees the *tls.Conn, not the
// listener's connection: before it was unwrapped, every TLS connection
// looked silent and was evicted.)
func TestTLSConnectionsKeepTheirState(t *testing.T) {
	t.Cleanup(api.SetHeaderGrace(50 * time.Millisecond))
	e := newEnv(t, nil, api.Config{})
	e.seed()
	pair := testcert.New(t, t.TempDir(), "http", 1)
	cf, err := replica.LoadCertFile(pair.CertFile, pair.KeyFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	const maxConns = 2
	addr := serveLimited(t, e, maxConns, func(hs *http.Server) {
		hs.ReadHeaderTimeout = time.Hour
		hs.TLSConfig = cf.TLSConfig()
	})
	clientTLS := &tls.Config{RootCAs: pair.Pool, ServerName: "127.0.0.1"}
	get := "GET /v1/workspaces/default/teams/support HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + token + "\r\n\r\n"

	busy, err := tls.Dial("tcp", addr, clientTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	br := bufio.NewReader(busy)
	if resp := rawRequest(t, busy, br, get); resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("authenticated request over TLS: %d (close %v)", resp.StatusCode, resp.Close)
	}
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	// Every slot is taken: a third client waits until the silent
	// connection is evicted.
	third := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: clientTLS}}
	req, _ := http.NewRequest("GET", "https://"+addr+"/v1/workspaces/default/teams/support", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := third.Do(req)
	if err != nil {
		t.Fatalf("a TLS client was starved: %v", err)
	}
	resp.Body.Close()
	third.CloseIdleConnections()
	// The busy connection was kept: a second request on it is answered.
	if resp := rawRequest(t, busy, br, get); resp.StatusCode != http.StatusOK {
		t.Fatalf("second request on the kept connection: %d", resp.StatusCode)
	}
}
