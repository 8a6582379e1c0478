package api_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/server/api"
)

// serveLimited serves e's API as the server does (NewHTTPServer on a
// LimitListener of maxConns) on 127.0.0.1 and returns its address; tune
// may change the server first.
func serveLimited(t *testing.T, e *env, maxConns int, tune ...func(*http.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := api.NewHTTPServer(e.srv, quiet())
	for _, f := range tune {
		f(hs)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if hs.TLSConfig != nil {
			_ = hs.ServeTLS(api.LimitListener(ln, maxConns), "", "")
			return
		}
		_ = hs.Serve(api.LimitListener(ln, maxConns))
	}()
	t.Cleanup(func() {
		_ = hs.Close()
		<-done
	})
	return ln.Addr().String()
}

// rawRequest sends one HTTP/1.1 request on c and reads its response.
func rawRequest(t *testing.T, c net.Conn, br *bufio.Reader, req string) *http.Response {
	t.Helper()
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// Connections that made no authenticated request cannot hold the
// connection slots: as many raw connections as the listener allows each
// send one unauthenticated GET /healthz and then sit idle, as an
// attacker's did; the server closes each after its answer, and an
// authenticated client still gets in. (Before, the idle connections kept
// every slot for IdleTimeout, 60 s, and the client timed out.)
func TestIdleUnauthenticatedConnectionsDoNotStarve(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	e.seed()
	const maxConns = 8
	addr := serveLimited(t, e, maxConns)

	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		br := bufio.NewReader(c)
		resp := rawRequest(t, c, br, "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
		if resp.StatusCode != http.StatusOK || !resp.Close {
			t.Fatalf("healthz: %d, Connection: close %v", resp.StatusCode, resp.Close)
		}
		// The attacker keeps the connection open; the server has closed it.
		if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
			t.Fatalf("an unauthenticated connection stayed open: %v", err)
		}
	}

	mustGetIn(t, addr)
}

// mustGetIn makes an authenticated request to the server at addr, which
// must answer 200 within a budget far above a normal request's few
// milliseconds (the old server never answered within it).
func mustGetIn(t *testing.T, addr string) {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second}
	req, err := http.NewRequest("GET", "http://"+addr+"/v1/workspaces/default/teams/support", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("an authenticated client was starved: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("authenticated request: %d", resp.StatusCode)
	}
}

// Connections that never send a request cannot hold the slots either:
// once every slot is taken and a client waits, those that have gone
// HeaderGrace without a request header are closed to make room. The
// header timeout is lengthened here to show that it is not what frees
// them.
func TestSilentConnectionsDoNotStarve(t *testing.T) {
	t.Cleanup(api.SetHeaderGrace(50 * time.Millisecond))
	e := newEnv(t, nil, api.Config{})
	e.seed()
	const maxConns = 8
	addr := serveLimited(t, e, maxConns, func(hs *http.Server) { hs.ReadHeaderTimeout = time.Hour })
	var silent []net.Conn
	for range maxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	mustGetIn(t, addr)
	// At least one silent connection was closed by the server to let the
	// client in.
	closed := 0
	for _, c := range silent {
		if err := c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			closed++
		}
	}
	if closed == 0 {
		t.Fatal("no silent connection was closed")
	}
}

// A connection that authenticates is kept alive between requests; before
// that, every answer (401 included) closes it.
func TestAuthenticatedConnectionsKeepAlive(t *testing.T) {
	e := newEnv(t, nil, api.Config{})
	addr := serveLimited(t, e, 4)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	authed := "GET /v1/cluster HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + token + "\r\n\r\n"
	for i := range 2 {
		resp := rawRequest(t, c, br, authed)
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("authenticated request %d: %d, Connection: close %v", i, resp.StatusCode, resp.Close)
		}
	}
	// Once authenticated, the connection stays open even after a 401.
	resp := rawRequest(t, c, br, "GET /v1/cluster HTTP/1.1\r\nHost: test\r\n\r\n")
	if resp.StatusCode != http.StatusUnauthorized || resp.Close {
		t.Fatalf("401 on an authenticated connection: %d, Connection: close %v", resp.StatusCode, resp.Close)
	}

	d, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	resp = rawRequest(t, d, bufio.NewReader(d), "GET /v1/cluster HTTP/1.1\r\nHost: test\r\n\r\n")
	if resp.StatusCode != http.StatusUnauthorized || !resp.Close {
		t.Fatalf("401 on a new connection: %d, Connection: close %v", resp.StatusCode, resp.Close)
	}
}
