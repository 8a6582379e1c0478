package httpedge_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/internal/testcert"
)

// A served certificate is replaced when its files change (a renewal),
// without a restart; a broken pair keeps the last good one in service,
// and an explicit Reload (SIGHUP) reports it.
func TestCertFileReloads(t *testing.T) {
	dir := t.TempDir()
	first := testcert.New(t, dir, "first", 1)
	reloads := make(chan error, 4)
	cf, err := replica.LoadCertFile(first.CertFile, first.KeyFile, func(err error) { reloads <- err })
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.NotFoundHandler(), TLSConfig: cf.TLSConfig(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.ServeTLS(ln, "", "") }()
	defer hs.Close()
	url := "https://" + ln.Addr().String()

	second := testcert.New(t, t.TempDir(), "second", 2)
	pool := x509.NewCertPool()
	pool.AddCert(first.Cert)
	pool.AddCert(second.Cert)
	served := func() int64 {
		t.Helper()
		// A new connection each time: a new handshake.
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true},
			Timeout: 10 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	if got := served(); got != 1 {
		t.Fatalf("serves serial %d, want 1", got)
	}
	// The renewal is written over the files; their times move on.
	renew := func(src testcert.Pair, at time.Time) {
		t.Helper()
		for from, to := range map[string]string{src.CertFile: first.CertFile, src.KeyFile: first.KeyFile} {
			b, err := os.ReadFile(from)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(to, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(to, at, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	renew(second, time.Now().Add(time.Minute))
	if got := served(); got != 2 {
		t.Fatalf("after the files changed: serves serial %d, want 2", got)
	}
	if err := <-reloads; err != nil {
		t.Fatalf("reload: %v", err)
	}
	// A key that does not match: the second certificate stays.
	if err := os.WriteFile(first.KeyFile, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cf.Reload(); err == nil {
		t.Fatal("Reload of a broken pair reports no error")
	}
	if got := served(); got != 2 {
		t.Fatalf("after a broken renewal: serves serial %d, want 2", got)
	}
	if _, err := replica.LoadCertFile(first.CertFile, first.KeyFile, nil); err == nil {
		t.Fatal("LoadCertFile of a broken pair succeeds")
	}
}
