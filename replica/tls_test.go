package replica

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/phonebalance/phonebalance/assign"
	"github.com/stretchr/testify/require"
)

// testPair is a self-signed certificate (its own CA) for 127.0.0.1 (or,
// if given, for DNS names only), usable by servers and clients, and its
// key, in memory and as PEM.
type testPair struct {
	cert    tls.Certificate
	leaf    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
}

func newTestPair(t *testing.T, serial int64, dnsNames ...string) testPair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "raft"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if len(dnsNames) > 0 {
		tmpl.IPAddresses, tmpl.DNSNames = nil, dnsNames
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return testPair{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf: leaf,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
}

// tlsFiles are the PEM files one node's MutualTLS reads.
type tlsFiles struct{ cert, key, ca string }

// write writes p over the files' pair and the CA bundle of the given
// pairs over the bundle, dated at (a renewal: their times move on).
func (f tlsFiles) write(t *testing.T, p testPair, ca []testPair, at time.Time) {
	t.Helper()
	var bundle []byte
	for _, c := range ca {
		bundle = append(bundle, c.certPEM...)
	}
	for path, b := range map[string][]byte{f.cert: p.certPEM, f.key: p.keyPEM, f.ca: bundle} {
		require.NoError(t, os.WriteFile(path, b, 0o600))
		require.NoError(t, os.Chtimes(path, at, at))
	}
}

// load loads the files with MutualTLS, as the server's -raft-tls-* flags
// do.
func (f tlsFiles) load(t *testing.T) *tls.Config {
	t.Helper()
	cert, err := LoadCertFile(f.cert, f.key, nil)
	require.NoError(t, err)
	ca, err := LoadCAFile(f.ca, nil)
	require.NoError(t, err)
	return MutualTLS(cert, ca)
}

func filesIn(dir, name string) tlsFiles {
	return tlsFiles{cert: filepath.Join(dir, name+".crt"), key: filepath.Join(dir, name+".key"), ca: filepath.Join(dir, name+"-ca.crt")}
}

// openTLS opens a cluster-mode node over TLS on a loopback port.
func openTLS(t *testing.T, base, id string, bootstrap bool, c *tls.Config) *Node {
	t.Helper()
	n, err := Open(Config{Dir: filepath.Join(base, id), NodeID: id, RaftAddr: "127.0.0.1:0", Bootstrap: bootstrap,
		TLS: c, Engine: assign.DefaultConfig(), Clock: newMock(t0), Logger: quietLogger(), TuneRaft: tcpRaft})
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

// serverCert connects to addr over TLS presenting cert (none if nil) and
// trusting roots, and returns the certificate the node serves.
func serverCert(addr string, cert *tls.Certificate, roots *x509.CertPool) (*x509.Certificate, error) {
	conn, err := dial(addr, cert, roots)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// refusesClient reports nil if the node at addr refuses a client presenting
// cert (none if nil) and trusting roots. TLS 1.3 reports a refused
// client certificate at the client's first read; a node that accepts it
// sends nothing, so the read ends at its deadline, a failure bound.
func refusesClient(addr string, cert *tls.Certificate, roots *x509.CertPool) error {
	conn, err := dial(addr, cert, roots)
	if err != nil {
		return nil
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(failBound))
	_, err = conn.Read(make([]byte, 1))
	if ne, ok := err.(net.Error); err == nil || ok && ne.Timeout() {
		return fmt.Errorf("the node at %s accepted the client", addr)
	}
	return nil
}

// failBound bounds a wait for a refusal; it is never a pause.
const failBound = 10 * time.Second

func dial(addr string, cert *tls.Certificate, roots *x509.CertPool) (*tls.Conn, error) {
	conf := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS13}
	if cert != nil {
		conf.Certificates = []tls.Certificate{*cert}
	}
	return tls.Dial("tcp", addr, conf)
}

// Two nodes over mutual TLS: the second joins by address and replicates;
// a peer without TLS, or without a trusted certificate, is refused; files
// that do not make a certificate or a CA pool are refused at load.
func TestClusterOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	p := newTestPair(t, 1)
	files := filesIn(dir, "raft")
	files.write(t, p, []testPair{p}, time.Now())
	_, err := LoadCAFile(filepath.Join(dir, "missing.crt"), nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = LoadCAFile(files.key, nil) // no certificate in the CA bundle
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = LoadCertFile(files.cert, files.ca, nil) // no key
	require.ErrorIs(t, err, ErrInvalidConfig)
	conf := files.load(t)

	base := t.TempDir()
	a := openTLS(t, base, "a", true, conf)
	b := openTLS(t, base, "b", false, conf)
	leader := waitLeader(t, 10*time.Second, a)
	join(t, ctx, []*Node{a, b}, "b", b.Addr())
	setupTeam(t, ctx, leader, "default", a, b)
	converge(t, 10*time.Second, a, b)
	require.NoError(t, b.View("default", func(e *assign.Engine) {
		_, ok := e.Teammate("ben")
		require.True(t, ok)
	}))

	// A peer without TLS, or without a trusted client certificate, is
	// refused.
	plain, err := raft.NewTCPTransport("127.0.0.1:0", nil, 1, time.Second, io.Discard)
	require.NoError(t, err)
	defer plain.Close()
	var resp raft.AppendEntriesResponse
	require.Error(t, plain.AppendEntries("a", raft.ServerAddress(a.Addr()), &raft.AppendEntriesRequest{}, &resp))
	roots := x509.NewCertPool()
	roots.AddCert(p.leaf)
	require.NoError(t, refusesClient(a.Addr(), nil, roots), "a client without a certificate")

	// A node whose certificate, trusted, does not name the host it is
	// dialed at (127.0.0.1) is refused: the leader's probe fails and the
	// configuration does not change.
	other := newTestPair(t, 2, "raft.example")
	fo := filesIn(dir, "other")
	fo.write(t, other, []testPair{p, other}, time.Now())
	files.write(t, p, []testPair{p, other}, time.Now().Add(time.Minute))
	o := openTLS(t, base, "o", false, fo.load(t))
	err = leader.Join(ctx, "o", o.Addr())
	require.ErrorIs(t, err, ErrUnreachable)
	require.ErrorContains(t, err, "doesn't contain any IP SANs")
}

// Certificates and CA bundles renewed on disk take effect without a
// restart, both ways: after every node's certificate is replaced by one
// of a new CA and the bundles trust only the new CA, the nodes serve the
// new certificate and refuse the old one; a new node holding only the
// new material joins (the leader dials it with its new certificate and
// verifies it with its new pool) and, once the old leader is gone, the
// two others elect a leader and replicate over connections made with
// the renewed files alone. A certificate of another CA is refused.
func TestRaftTLSRenewedOnDisk(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir, base := t.TempDir(), t.TempDir()
	a1, b1 := newTestPair(t, 11), newTestPair(t, 21)
	fa, fb, fc := filesIn(dir, "a"), filesIn(dir, "b"), filesIn(dir, "c")
	then := time.Now().Add(-time.Hour)
	fa.write(t, a1, []testPair{a1, b1}, then)
	fb.write(t, b1, []testPair{a1, b1}, then)
	a := openTLS(t, base, "a", true, fa.load(t))
	b := openTLS(t, base, "b", false, fb.load(t))
	waitLeader(t, 10*time.Second, a)
	join(t, ctx, []*Node{a, b}, "b", b.Addr())
	setupTeam(t, ctx, a, "default", a, b)
	converge(t, 10*time.Second, a, b)

	// The renewal: new pairs (each its own new CA), bundles of the new
	// CAs only.
	a2, b2, c2 := newTestPair(t, 12), newTestPair(t, 22), newTestPair(t, 32)
	renewed := []testPair{a2, b2, c2}
	now := time.Now()
	fa.write(t, a2, renewed, now)
	fb.write(t, b2, renewed, now)
	fc.write(t, c2, renewed, now)
	newRoots := x509.NewCertPool()
	for _, p := range renewed {
		newRoots.AddCert(p.leaf)
	}
	for _, n := range []struct {
		node *Node
		want *x509.Certificate
	}{{a, a2.leaf}, {b, b2.leaf}} {
		got, err := serverCert(n.node.Addr(), &c2.cert, newRoots)
		require.NoError(t, err, "node %s trusted with the renewed CAs", n.node.ID())
		require.True(t, got.Equal(n.want), "node %s serves serial %v", n.node.ID(), got.SerialNumber)
		require.NoError(t, refusesClient(n.node.Addr(), &a1.cert, newRoots), "the replaced certificate")
		foreign := newTestPair(t, 99)
		require.NoError(t, refusesClient(n.node.Addr(), &foreign.cert, newRoots), "a certificate of another CA")
	}

	c := openTLS(t, base, "c", false, fc.load(t))
	nodes := []*Node{a, b, c}
	join(t, ctx, nodes, "c", c.Addr())
	doRetry(t, ctx, nodes, "default", assign.Command{Op: assign.OpAddTeammate, Teammate: "cleo", Name: "Cleo", Presence: available})
	converge(t, 20*time.Second, a, b, c)

	old := waitLeader(t, 20*time.Second, nodes...)
	require.NoError(t, old.Close())
	var rest []*Node
	for _, n := range nodes {
		if n != old {
			rest = append(rest, n)
		}
	}
	doRetry(t, ctx, rest, "default", assign.Command{Op: assign.OpAddTeammate, Teammate: "dev", Name: "Dev", Presence: available})
	converge(t, 20*time.Second, rest...)
	for _, n := range rest {
		require.NoError(t, n.View("default", func(e *assign.Engine) {
			_, ok := e.Teammate("dev")
			require.True(t, ok, "node %s", n.ID())
		}))
	}
}

// A CA bundle is re-read when its file changes and on Reload; one that
// does not load keeps the last good pool in service and is reported.
func TestCAFileKeepsTheLastGoodBundle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.crt")
	p1, p2 := newTestPair(t, 1), newTestPair(t, 2)
	write := func(b []byte, at time.Time) {
		t.Helper()
		require.NoError(t, os.WriteFile(path, b, 0o600))
		require.NoError(t, os.Chtimes(path, at, at))
	}
	trusts := func(ca *CAFile, p testPair) bool {
		_, err := p.leaf.Verify(x509.VerifyOptions{Roots: ca.Pool()})
		return err == nil
	}
	at := time.Now().Add(-time.Hour)
	write(p1.certPEM, at)
	var reloads []error
	ca, err := LoadCAFile(path, func(err error) { reloads = append(reloads, err) })
	require.NoError(t, err)
	require.True(t, trusts(ca, p1))

	write([]byte("not PEM"), at.Add(time.Minute))
	require.True(t, trusts(ca, p1), "a broken bundle replaced the pool")
	require.Len(t, reloads, 1)
	require.ErrorIs(t, reloads[0], ErrInvalidConfig)
	require.True(t, trusts(ca, p1), "the broken bundle is read again without a change")
	require.Len(t, reloads, 1)
	require.Error(t, ca.Reload())

	write(p2.certPEM, at.Add(2*time.Minute))
	require.True(t, trusts(ca, p2), "the renewed bundle is not in use")
	require.False(t, trusts(ca, p1), "the replaced CA is still trusted")
	require.NoError(t, reloads[len(reloads)-1])
}
