package httpedge

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"
)

// CertFile is a TLS certificate served from a PEM certificate (chain)
// file and its key file, re-read when either file changes (checked on
// each TLS handshake: two stat calls) and on [CertFile.Reload] (the
// server calls it on SIGHUP), so a renewed certificate is served without
// a restart. A pair that does not load (a half-written renewal) keeps the
// last good certificate in service. Safe for concurrent use.
type CertFile struct {
	certPath, keyPath string

	mu       sync.Mutex
	cert     *tls.Certificate
	certMod  time.Time
	keyMod   time.Time
	lastErr  error
	onReload func(err error)
}

// LoadCertFile loads the pair at certPath and keyPath; it fails if they
// do not make a certificate. onReload, if set, is told of every reload
// after this one (nil error: the new certificate is served).
func LoadCertFile(certPath, keyPath string, onReload func(err error)) (*CertFile, error) {
	c := &CertFile{certPath: certPath, keyPath: keyPath, onReload: onReload}
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

// load reads the pair; the caller holds mu or owns c.
func (c *CertFile) load() error {
	cm, km, err := c.mtimes()
	if err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(c.certPath, c.keyPath)
	if err != nil {
		return fmt.Errorf("httpedge: TLS certificate %s and key %s: %w", c.certPath, c.keyPath, err)
	}
	c.cert, c.certMod, c.keyMod = &cert, cm, km
	return nil
}

func (c *CertFile) mtimes() (cert, key time.Time, err error) {
	cs, err := os.Stat(c.certPath)
	if err != nil {
		return cert, key, fmt.Errorf("httpedge: TLS certificate: %w", err)
	}
	ks, err := os.Stat(c.keyPath)
	if err != nil {
		return cert, key, fmt.Errorf("httpedge: TLS key: %w", err)
	}
	return cs.ModTime(), ks.ModTime(), nil
}

// Reload re-reads the pair now. On error the last good certificate stays
// in service and the error is returned.
func (c *CertFile) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reloadLocked()
}

func (c *CertFile) reloadLocked() error {
	err := c.load()
	if err != nil {
		// Remember the files' times so that a broken pair is not re-read
		// on every handshake; a later change is tried again.
		if cm, km, serr := c.mtimes(); serr == nil {
			c.certMod, c.keyMod = cm, km
		}
	}
	c.lastErr = err
	if c.onReload != nil {
		c.onReload(err)
	}
	return err
}

// GetCertificate is the tls.Config.GetCertificate of the pair: it reloads
// it first if either file's modification time changed.
func (c *CertFile) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cm, km, err := c.mtimes(); err == nil && (!cm.Equal(c.certMod) || !km.Equal(c.keyMod)) {
		_ = c.reloadLocked()
	}
	return c.cert, nil
}

// TLSConfig returns a server tls.Config serving the pair (TLS 1.2 and
// up).
func (c *CertFile) TLSConfig() *tls.Config {
	return &tls.Config{GetCertificate: c.GetCertificate, MinVersion: tls.VersionTLS12}
}
