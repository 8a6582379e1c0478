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

// selfSigned returns a TLS config that serves and trusts one certificate
// for 127.0.0.1, and requires it of clients (mutual TLS).
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "raft"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		RootCAs: pool, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13}
}

// Two nodes over mutual TLS: the second joins by address and replicates;
// a peer without TLS, or without a trusted certificate, is refused.
func TestClusterOverTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conf := fromFiles(t, selfSigned(t)) // as the server's -raft-tls-* flags load it
	base := t.TempDir()
	open := func(id string, bootstrap bool, c *tls.Config) *Node {
		n, err := Open(Config{Dir: filepath.Join(base, id), NodeID: id, RaftAddr: "127.0.0.1:0", Bootstrap: bootstrap,
			TLS: c, Engine: assign.DefaultConfig(), Clock: newMock(t0), Logger: quietLogger(), TuneRaft: tcpRaft})
		require.NoError(t, err)
		t.Cleanup(func() { _ = n.Close() })
		return n
	}
	a := open("a", true, conf)
	b := open("b", false, conf)
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
	anon := conf.Clone()
	anon.Certificates = nil
	conn, err := tls.Dial("tcp", a.Addr(), anon)
	if err == nil {
		_, err = conn.Read(make([]byte, 1)) // TLS 1.3 reports the refused client at the first read
		conn.Close()
	}
	require.Error(t, err)
}

// fromFiles writes conf's certificate and key as PEM files (the
// certificate also as the CA bundle) and loads them back with MutualTLS;
// broken files are refused.
func fromFiles(t *testing.T, conf *tls.Config) *tls.Config {
	t.Helper()
	dir := t.TempDir()
	cert, key, ca := filepath.Join(dir, "raft.crt"), filepath.Join(dir, "raft.key"), filepath.Join(dir, "ca.crt")
	keyDER, err := x509.MarshalPKCS8PrivateKey(conf.Certificates[0].PrivateKey)
	require.NoError(t, err)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: conf.Certificates[0].Certificate[0]})
	require.NoError(t, os.WriteFile(cert, certPEM, 0o600))
	require.NoError(t, os.WriteFile(ca, certPEM, 0o600))
	require.NoError(t, os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	_, err = MutualTLS(cert, key, filepath.Join(dir, "missing.crt"))
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = MutualTLS(cert, key, key) // no certificate in the CA bundle
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = MutualTLS(cert, ca, ca) // no key
	require.ErrorIs(t, err, ErrInvalidConfig)
	loaded, err := MutualTLS(cert, key, ca)
	require.NoError(t, err)
	require.Equal(t, tls.RequireAndVerifyClientCert, loaded.ClientAuth)
	return loaded
}
