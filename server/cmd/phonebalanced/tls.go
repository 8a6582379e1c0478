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
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// tlsSetup is what the TLS flags load: the HTTP certificate (reloaded on
// SIGHUP and when its files change), the roots that verify the other
// nodes' HTTP certificates (forwarded writes, -join) and raft's mutual
// TLS. Nil fields are off.
type tlsSetup struct {
	cert *httpedge.CertFile
	peer *tls.Config
	raft *tls.Config
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
		s.cert, err = httpedge.LoadCertFile(c.tlsCert, c.tlsKey, func(err error) {
			if err != nil {
				logger.Error("TLS certificate not reloaded: the last good one is still served", "cert", c.tlsCert, "err", err)
				return
			}
			logger.Info("TLS certificate reloaded", "cert", c.tlsCert)
		})
		if err != nil {
			return s, err
		}
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
		if s.raft, err = replica.MutualTLS(c.raftTLSCert, c.raftTLSKey, c.raftTLSCA); err != nil {
			return s, err
		}
	}
	return s, nil
}

// scheme is the HTTP API's URL scheme.
func (s tlsSetup) scheme() string {
	if s.cert != nil {
		return "https"
	}
	return "http"
}

// reloadOnHangup re-reads the HTTP certificate on each SIGHUP until ctx
// ends.
func (s tlsSetup) reloadOnHangup(ctx context.Context) {
	if s.cert == nil {
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
				_ = s.cert.Reload() // the callback logs the outcome
			}
		}
	}()
}
