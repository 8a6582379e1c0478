package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/replica"
)

// IdempotencyHeader carries a client's key for one logical write: every
// command route takes it. The key travels with the command into its raft
// log entry, and the outcome (status and body, re-rendered from the
// recorded error or events and effects) is recorded with it on every
// node, so a retry with the same key, even on another leader after a
// failover, returns the first outcome instead of acting again. The same
// key with a different request (another route or body) is 422
// idempotency_key_reused. Keys are kept replica.IdempotencyTTL (24 h) of
// engine time, then pruned. A key is 1 to 255 printable ASCII characters.
// The cluster routes (join, remove) are idempotent by themselves and
// ignore it.
const IdempotencyHeader = "Idempotency-Key"

// idempotencyOf returns the request's key, if any, and the hash that
// identifies the request: its route and its command (without the time the
// leader stamps).
func idempotencyOf(r *http.Request, cmd assign.Command) (key, hash string, err error) {
	key = r.Header.Get(IdempotencyHeader)
	if key == "" {
		return "", "", nil
	}
	if len(key) > replica.MaxIdempotencyKey {
		return "", "", invalid("%s longer than %d bytes", IdempotencyHeader, replica.MaxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return "", "", invalid("%s: printable ASCII only", IdempotencyHeader)
		}
	}
	cmd.At = time.Time{}
	b, err := json.Marshal(cmd)
	if err != nil {
		return "", "", invalid("%v", err)
	}
	h := sha256.New()
	h.Write([]byte(r.Pattern + "\n" + r.PathValue("ws") + "\n"))
	h.Write(b)
	return key, hex.EncodeToString(h.Sum(nil)), nil
}
