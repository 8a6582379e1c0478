package replica

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"
)

// TLS material read from PEM files and re-read when the files change, so
// that a renewed certificate or CA bundle is used without a restart: the
// raft transport's ([MutualTLS]) and the server's HTTPS certificate alike.

// watched is a value loaded from files: re-read when any file's
// modification time changes (checked by get: one stat a file) and on
// reload. A load that fails keeps the last good value in service. Safe
// for concurrent use.
type watched[T any] struct {
	paths    []string
	load     func() (T, error)
	onReload func(error)

	mu   sync.Mutex
	val  T
	mods []time.Time
}

// init loads the value the first time; onReload is not told.
func (w *watched[T]) init() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	mods, err := w.mtimes()
	if err != nil {
		return err
	}
	v, err := w.load()
	if err != nil {
		return err
	}
	w.val, w.mods = v, mods
	return nil
}

func (w *watched[T]) mtimes() ([]time.Time, error) {
	mods := make([]time.Time, len(w.paths))
	for i, p := range w.paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: TLS file: %w", ErrInvalidConfig, err)
		}
		mods[i] = fi.ModTime()
	}
	return mods, nil
}

// reload re-reads the files now.
func (w *watched[T]) reload() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.reloadLocked()
}

func (w *watched[T]) reloadLocked() error {
	mods, err := w.mtimes()
	if err == nil {
		var v T
		if v, err = w.load(); err == nil {
			w.val = v
		}
	}
	// Remember the files' times even when they do not load, so that a
	// broken file is not re-read on every handshake; a later change is
	// tried again.
	if mods != nil {
		w.mods = mods
	}
	if w.onReload != nil {
		w.onReload(err)
	}
	return err
}

// get returns the value, re-read first if a file's time changed.
func (w *watched[T]) get() T {
	w.mu.Lock()
	defer w.mu.Unlock()
	if mods, err := w.mtimes(); err == nil && !slices.EqualFunc(mods, w.mods, time.Time.Equal) {
		_ = w.reloadLocked()
	}
	return w.val
}

// CertFile is a TLS certificate served from a PEM certificate (chain)
// file and its key file, re-read when either file changes (checked on
// each TLS handshake: two stat calls) and on [CertFile.Reload] (the
// server calls it on SIGHUP), so a renewed certificate is served without
// a restart. A pair that does not load (a half-written renewal) keeps the
// last good certificate in service. Safe for concurrent use.
type CertFile struct{ w watched[*tls.Certificate] }

// LoadCertFile loads the pair at certPath and keyPath; it fails (an
// error wrapping ErrInvalidConfig) if they do not make a certificate.
// onReload, if set, is told of every reload after this one (nil error:
// the new certificate is served); it runs during a handshake or Reload,
// and must not block.
func LoadCertFile(certPath, keyPath string, onReload func(err error)) (*CertFile, error) {
	c := &CertFile{w: watched[*tls.Certificate]{paths: []string{certPath, keyPath}, onReload: onReload,
		load: func() (*tls.Certificate, error) {
			cert, err := tls.LoadX509KeyPair(certPath, keyPath)
			if err != nil {
				return nil, fmt.Errorf("%w: TLS certificate %s and key %s: %w", ErrInvalidConfig, certPath, keyPath, err)
			}
			return &cert, nil
		}}}
	if err := c.w.init(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload re-reads the pair now. On error the last good certificate stays
// in service and the error is returned.
func (c *CertFile) Reload() error { return c.w.reload() }

// GetCertificate is the tls.Config.GetCertificate of the pair: it reloads
// it first if either file's modification time changed.
func (c *CertFile) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.w.get(), nil
}

// GetClientCertificate is the tls.Config.GetClientCertificate of the
// pair, presented when dialing a server that asks for one; it reloads it
// first if either file's modification time changed.
func (c *CertFile) GetClientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	return c.w.get(), nil
}

// TLSConfig returns a server tls.Config serving the pair (TLS 1.2 and
// up), such as an HTTPS server's.
func (c *CertFile) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: c.GetCertificate, MinVersion: tls.VersionTLS12}
}

// CAFile is a pool of CA certificates read from a PEM bundle, re-read
// when the file changes (checked by each [CAFile.Pool]) and on
// [CAFile.Reload]. A bundle that does not load keeps the last good pool.
// Safe for concurrent use.
type CAFile struct{ w watched[*x509.CertPool] }

// LoadCAFile loads the bundle at path; it fails (an error wrapping
// ErrInvalidConfig) if it holds no PEM certificate. onReload is as for
// [LoadCertFile].
func LoadCAFile(path string, onReload func(err error)) (*CAFile, error) {
	c := &CAFile{w: watched[*x509.CertPool]{paths: []string{path}, onReload: onReload,
		load: func() (*x509.CertPool, error) {
			pem, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("%w: TLS CA: %w", ErrInvalidConfig, err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("%w: TLS CA %s holds no PEM certificate", ErrInvalidConfig, path)
			}
			return pool, nil
		}}}
	if err := c.w.init(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload re-reads the bundle now. On error the last good pool stays in
// service and the error is returned.
func (c *CAFile) Reload() error { return c.w.reload() }

// Pool returns the current pool, re-read first if the file changed. The
// pool must not be modified.
func (c *CAFile) Pool() *x509.CertPool { return c.w.get() }

// MutualTLS returns the [Config.TLS] of a node: it serves cert to peers
// and presents it when it dials them, and verifies every peer, both
// ways, against the CA pool of ca (TLS 1.3, a client certificate
// required). Each new connection uses the certificate and pool as the
// files are then, so a renewed certificate or CA bundle written over the
// files takes effect without a restart; connections already open keep
// theirs. A peer's certificate must name the host of its raft address
// (an IP SAN for an IP address): the transport checks it when it dials
// (the config's ServerName is left empty for that). Session tickets
// are off, so a peer is verified against the current pool on every
// connection.
func MutualTLS(cert *CertFile, ca *CAFile) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// Serving: each handshake gets a config with the current pool.
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			return &tls.Config{MinVersion: tls.VersionTLS13, GetCertificate: cert.GetCertificate,
				ClientCAs: ca.Pool(), ClientAuth: tls.RequireAndVerifyClientCert, SessionTicketsDisabled: true}, nil
		},
		// Dialing: the current certificate, and the peer verified by
		// VerifyConnection against the current pool, which a fixed
		// RootCAs could not follow. InsecureSkipVerify only turns off
		// the verification VerifyConnection replaces.
		GetClientCertificate: cert.GetClientCertificate,
		InsecureSkipVerify:   true,
		VerifyConnection:     func(cs tls.ConnectionState) error { return verifyServer(cs, ca.Pool()) },
		// Only read if the config is used to serve without
		// GetConfigForClient (never here); kept for readers of the config.
		ClientAuth: tls.RequireAndVerifyClientCert,
	}
}

// verifyServer verifies, on the dialing side, the peer's chain against
// roots and its name against the name dialed, as crypto/tls does with a
// RootCAs.
func verifyServer(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("replica: the raft peer presented no certificate")
	}
	opts := x509.VerifyOptions{Roots: roots, DNSName: cs.ServerName, Intermediates: x509.NewCertPool(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, c := range cs.PeerCertificates[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := cs.PeerCertificates[0].Verify(opts); err != nil {
		return fmt.Errorf("replica: the raft peer's certificate: %w", err)
	}
	return nil
}
