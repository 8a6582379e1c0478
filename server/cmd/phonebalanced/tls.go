package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/phonebalance/phonebalance/replica"
)

// tlsSetup is what the TLS flags load: the HTTP certificate, the roots
// that verify the other nodes' HTTP certificates (forwarded writes,
// -join) and raft's mutual TLS. The certificates and raft's CA bundle
// are re-read on SIGHUP and when their files change. Nil fields are off.
type tlsSetup struct {
	cert *replica.CertFile
	peer *tls.Config
	raft *tls.Config
	// reload re-reads every reloadable file (SIGHUP); each logs its
	// outcome.
	reload []func() error
}

// checkTLSFlags refuses TLS flags that cannot work together.
func checkTLSFlags(c config) error {
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return fmt.Errorf("-tls-cert and -tls-key go together")
	}
	if c.tlsCA != "" && c.tlsCert == "" {
		return fmt.Errorf("-tls-ca needs -tls-cert and -tls-key")
	}
	n := 0
	for _, f := range []string{c.raftTLSCert, c.raftTLSKey, c.raftTLSCA} {
		if f != "" {
			n++
		}
	}
	if n != 0 && n != 3 {
		return fmt.Errorf("-raft-tls-cert, -raft-tls-key and -raft-tls-ca go together")
	}
	if n == 3 && c.raft == "" {
		return fmt.Errorf("-raft-tls-cert needs -raft")
	}
	return nil
}

// loadTLS loads what the TLS flags name.
func loadTLS(c config, logger *slog.Logger) (tlsSetup, error) {
	var s tlsSetup
	var err error
	if c.tlsCert != "" {
		s.cert, err = replica.LoadCertFile(c.tlsCert, c.tlsKey, logReload(logger, "TLS certificate", c.tlsCert))
		if err != nil {
			return s, err
		}
		s.reload = append(s.reload, s.cert.Reload)
		s.peer = &tls.Config{MinVersion: tls.VersionTLS12}
		if c.tlsCA != "" {
			pem, err := os.ReadFile(c.tlsCA)
			if err != nil {
				return s, fmt.Errorf("-tls-ca: %w", err)
			}
			s.peer.RootCAs = x509.NewCertPool()
			if !s.peer.RootCAs.AppendCertsFromPEM(pem) {
				return s, fmt.Errorf("-tls-ca %s holds no PEM certificate", c.tlsCA)
			}
		}
	}
	if c.raftTLSCert != "" {
		cert, err := replica.LoadCertFile(c.raftTLSCert, c.raftTLSKey, logReload(logger, "raft TLS certificate", c.raftTLSCert))
		if err != nil {
			return s, fmt.Errorf("-raft-tls-cert: %w", err)
		}
		ca, err := replica.LoadCAFile(c.raftTLSCA, logReload(logger, "raft TLS CA bundle", c.raftTLSCA))
		if err != nil {
			return s, fmt.Errorf("-raft-tls-ca: %w", err)
		}
		s.raft = replica.MutualTLS(cert, ca)
		s.reload = append(s.reload, cert.Reload, ca.Reload)
	}
	return s, nil
}

// logReload returns the onReload of a reloading TLS file: it logs each
// reload's outcome.
func logReload(logger *slog.Logger, what, file string) func(error) {
	return func(err error) {
		if err != nil {
			logger.Error(what+" not reloaded: the last good one is still in use", "file", file, "err", err)
			return
		}
		logger.Info(what+" reloaded", "file", file)
	}
}

// scheme is the HTTP API's URL scheme.
func (s tlsSetup) scheme() string {
	if s.cert != nil {
		return "https"
	}
	return "http"
}

// reloadOnHangup re-reads the certificates and raft's CA bundle on each
// SIGHUP until ctx ends.
func (s tlsSetup) reloadOnHangup(ctx context.Context) {
	if len(s.reload) == 0 {
		return
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				for _, reload := range s.reload {
					_ = reload() // its callback logs the outcome
				}
			}
		}
	}()
}
