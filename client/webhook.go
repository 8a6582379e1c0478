package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header of a webhook POST that signs it:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>".
const SignatureHeader = "Phonebalance-Signature"

// WebhookEffect is the JSON body of one webhook POST: one effect for the
// host's telephony to carry out, with its stable ID ("<raft index>:<ordinal>"),
// which is also the POST's Idempotency-Key. A Reconcile effect restates
// the state after a change of leader (its ID may repeat an earlier one's:
// match it by call and teammate); its Idempotency-Key ends in ":reconcile".
//
// After a change of leader, the new leader POSTs one message of Kind
// "reconcile" per workspace, with Rings the full list of rings its state
// implies: the host rings each listed teammate for the listed call unless
// that phone rings for it already, and stops every ring it has for the
// workspace that the list does not name. Effects the former leader
// committed but never sent are covered by it.
type WebhookEffect struct {
	ID        string `json:"id"`
	Workspace string `json:"workspace"`
	Reconcile bool   `json:"reconcile,omitempty"`
	Effect
	// Rings is the list of a "reconcile" message.
	Rings []Effect `json:"rings,omitempty"`
}

// ErrBadSignature: a webhook whose signature does not verify.
var ErrBadSignature = errors.New("phonebalance: bad webhook signature")

// Sign returns the SignatureHeader value for body sent at t.
func Sign(secret, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// VerifySignature checks a webhook's SignatureHeader value against its
// body: the HMAC must match (compared in constant time) and the timestamp
// be within tolerance of now, which refuses a replayed old request.
func VerifySignature(secret, body []byte, header string, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("%w: malformed header", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp %d outside the tolerance", ErrBadSignature, sec)
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return ErrBadSignature
}
