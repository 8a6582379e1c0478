package httpedge

import "github.com/phonebalance/phonebalance/replica"

// CertFile is the HTTPS server's certificate, re-read when its files
// change and on Reload (SIGHUP): the replica's reloading pair
// ([replica.CertFile]), the one reloader that serves both HTTPS and the
// raft transport's mutual TLS. Safe for concurrent use.
type CertFile = replica.CertFile

// LoadCertFile loads the pair at certPath and keyPath for HTTPS (see
// [replica.LoadCertFile]); onReload is told of every later reload.
func LoadCertFile(certPath, keyPath string, onReload func(err error)) (*CertFile, error) {
	return replica.LoadCertFile(certPath, keyPath, onReload)
}
