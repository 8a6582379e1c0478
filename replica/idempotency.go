package replica

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	pb "github.com/phonebalance/phonebalance"
	"slices"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/eventlog"
	"github.com/phonebalance/phonebalance/presence"
	"github.com/phonebalance/phonebalance/schedule"
)

// Idempotent commands: a command sent with a key travels with it in its log
// entry; the state machine records its outcome (the engine's error and
// Ready) in the workspace's meta store, bucket IdempotencyBucket, in the
// same apply. A later entry with the same key and the same request hash
// does not act again: it returns the recorded outcome, on every node, so a
// host that retries after a timeout or a change of leader gets the first
// answer. A different request (another hash) with the same key is refused
// with ErrIdempotencyKeyReused. Records expire IdempotencyTTL after the
// command, in engine time: each idempotent entry first drops the records
// older than that, in the order they were made, so every node prunes alike.

// IdempotencyBucket is the meta store bucket of the idempotency records.
const IdempotencyBucket = "idempotency"

// IdempotencyTTL is how long a key's outcome is kept, in engine time.
const IdempotencyTTL = 24 * time.Hour

// MaxIdempotencyKey is the longest key, in bytes.
const MaxIdempotencyKey = 255

// ErrIdempotencyKeyReused: a key sent again with a different request.
var ErrIdempotencyKeyReused = errors.New("replica: idempotency key reused with a different request")

// idemTag is the key and request hash an entry carries.
type idemTag struct {
	Key  string `json:"k"`
	Hash string `json:"h"`
}

// idemRecord is the recorded outcome of a keyed command.
type idemRecord struct {
	Hash    string           `json:"h"`
	At      time.Time        `json:"at"`
	Err     *recordedErr     `json:"e,omitempty"`
	Effects []recordedEffect `json:"f,omitempty"`
	Events  []eventlog.Event `json:"v,omitempty"`
}

// recordedEffect is an assign.Effect as recorded (its enums by number: a
// zero Deflection has no text encoding).
type recordedEffect struct {
	Kind       assign.EffectKind `json:"k"`
	Call       string            `json:"c,omitempty"`
	Teammate   string            `json:"t,omitempty"`
	Team       string            `json:"m,omitempty"`
	Until      time.Time         `json:"u,omitzero"`
	AutoAnswer bool              `json:"a,omitempty"`
	Deflection uint8             `json:"d,omitempty"`
}

func (r idemRecord) ready() assign.Ready {
	rd := assign.Ready{Events: r.Events}
	for _, ef := range r.Effects {
		rd.Effects = append(rd.Effects, assign.Effect{Kind: ef.Kind, Call: pb.CallID(ef.Call),
			Teammate: pb.TeammateID(ef.Teammate), Team: pb.TeamID(ef.Team), Until: ef.Until,
			AutoAnswer: ef.AutoAnswer, Deflection: eventlog.Deflection(ef.Deflection)})
	}
	return rd
}

// recordedErr is an engine error as recorded: its message and the
// sentinel it matched (by name), so that the answer to a retry is the same
// error for errors.Is.
type recordedErr struct {
	Kind string `json:"k,omitempty"`
	Msg  string `json:"m"`
}

// sentinels are the errors an engine command may match, by stable name.
var sentinels = []struct {
	name string
	err  error
}{
	{"invalid_argument", assign.ErrInvalidArgument}, {"invalid_config", assign.ErrInvalidConfig},
	{"time_out_of_range", assign.ErrTimeOutOfRange}, {"time_went_backwards", assign.ErrTimeWentBackwards},
	{"test_workspace", assign.ErrTestWorkspace}, {"unknown_teammate", assign.ErrUnknownTeammate},
	{"unknown_team", assign.ErrUnknownTeam}, {"unknown_call", assign.ErrUnknownCall},
	{"duplicate_teammate", assign.ErrDuplicateTeammate}, {"duplicate_team", assign.ErrDuplicateTeam},
	{"duplicate_call", assign.ErrDuplicateCall}, {"duplicate_member", assign.ErrDuplicateMember},
	{"not_member", assign.ErrNotMember}, {"not_ringing", assign.ErrNotRinging},
	{"decline_unavailable", assign.ErrDeclineUnavailable}, {"wrong_state", assign.ErrWrongState},
	{"call_ended", assign.ErrCallEnded}, {"teammate_busy", assign.ErrTeammateBusy},
	{"invalid_channel", presence.ErrInvalidChannel}, {"invalid_status", presence.ErrInvalidStatus},
	{"missing_reason", presence.ErrMissingReason}, {"invalid_hours", schedule.ErrInvalidHours},
	{"unknown_value", eventlog.ErrUnknownValue}, {"bad_entry", ErrBadEntry},
}

func recordErr(err error) *recordedErr {
	if err == nil {
		return nil
	}
	r := &recordedErr{Msg: err.Error()}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			r.Kind = s.name
			break
		}
	}
	return r
}

// replayed is a recorded error given back: it reads as the original and
// matches its sentinel.
type replayed struct {
	msg      string
	sentinel error
}

func (e *replayed) Error() string { return e.msg }
func (e *replayed) Unwrap() error { return e.sentinel }

func (r *recordedErr) error() error {
	if r == nil {
		return nil
	}
	for _, s := range sentinels {
		if s.name == r.Kind {
			return &replayed{msg: r.Msg, sentinel: s.err}
		}
	}
	return errors.New(r.Msg)
}

// idemEntry is one record's place in the expiry order.
type idemEntry struct {
	at  time.Time
	key string
}

// idemOrder is, per workspace, the records in the order they expire.
// Guarded by fsm.mu; rebuilt from the meta store on Restore.
type idemOrder map[WorkspaceID][]idemEntry

// rebuildIdem derives the expiry order from the meta store.
func rebuildIdem(m metaStore) idemOrder {
	out := idemOrder{}
	for ws, buckets := range m {
		for key, v := range buckets[IdempotencyBucket] {
			var r idemRecord
			if json.Unmarshal(v, &r) == nil {
				out[ws] = append(out[ws], idemEntry{at: r.At, key: key})
			}
		}
		slices.SortFunc(out[ws], func(a, b idemEntry) int {
			return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key, b.key))
		})
	}
	return out
}

// idemBefore prunes the expired records of ws at now and returns the
// outcome recorded for tag, if any (under fsm.mu).
func (f *fsm) idemBefore(ws WorkspaceID, tag *idemTag, now time.Time) (*result, bool) {
	order := f.idem[ws]
	i := 0
	for i < len(order) && order[i].at.Add(IdempotencyTTL).Before(now) {
		f.meta.apply(ws, metaOp{Bucket: IdempotencyBucket, Key: order[i].key, Delete: true})
		i++
	}
	if i > 0 {
		// Reslice, not slices.Delete: dropping the oldest records must not
		// move every younger one on each keyed command. append reclaims
		// the dropped prefix when it next grows the array.
		f.idem[ws] = order[i:]
	}
	v, ok := f.meta[ws][IdempotencyBucket][tag.Key]
	if !ok {
		return nil, false
	}
	var r idemRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return &result{err: fmt.Errorf("%w: idempotency record: %v", ErrBadEntry, err)}, true
	}
	if r.Hash != tag.Hash {
		return &result{err: fmt.Errorf("%w: key %q", ErrIdempotencyKeyReused, tag.Key)}, true
	}
	return &result{ready: r.ready(), err: r.Err.error()}, true
}

// idemAfter records the outcome of the command keyed by tag (under
// fsm.mu).
func (f *fsm) idemAfter(ws WorkspaceID, tag *idemTag, at time.Time, err error, rd assign.Ready) {
	rec := idemRecord{Hash: tag.Hash, At: at, Err: recordErr(err), Events: rd.Events}
	for _, ef := range rd.Effects {
		rec.Effects = append(rec.Effects, recordedEffect{Kind: ef.Kind, Call: string(ef.Call), Teammate: string(ef.Teammate),
			Team: string(ef.Team), Until: ef.Until, AutoAnswer: ef.AutoAnswer, Deflection: uint8(ef.Deflection)})
	}
	b, merr := json.Marshal(rec)
	if merr != nil {
		// The engine's events always encode (the event log stores them);
		// record the failure rather than nothing, so a retry does not act.
		b, _ = json.Marshal(idemRecord{Hash: tag.Hash, At: at, Err: &recordedErr{Msg: "recording the outcome failed: " + merr.Error()}})
	}
	f.meta.apply(ws, metaOp{Bucket: IdempotencyBucket, Key: tag.Key, Value: b})
	f.idem[ws] = append(f.idem[ws], idemEntry{at: at, key: tag.Key})
}

// DoIdempotent is [Node.Do] for a command sent with an idempotency key
// and the hash of the request that carries it: the first entry with the
// key acts and its outcome (the engine's error and what the command
// produced) is recorded on every node; a later one with the same key and
// hash, even on another leader, returns that outcome without acting; one
// with another hash is refused with ErrIdempotencyKeyReused. Keys are
// kept IdempotencyTTL of engine time. An empty or oversized key or hash
// gets assign.ErrInvalidArgument before anything is written. Safe for
// concurrent use.
func (n *Node) DoIdempotent(ctx context.Context, ws WorkspaceID, cmd assign.Command, key, hash string) (assign.Ready, error) {
	return n.do(ctx, ws, cmd, &idemTag{Key: key, Hash: hash})
}

// Outcome is a keyed command's recorded outcome: the engine's error and
// what the command produced.
type Outcome struct {
	Ready assign.Ready
	Err   error
}

// Recorded returns the outcome recorded on this node for key in ws, if
// any: what [Node.DoIdempotent] would return for a retry with hash, read
// without writing to the log (Err is ErrIdempotencyKeyReused when the
// record was made with another hash). Possibly stale on a follower. Safe
// for concurrent use.
func (n *Node) Recorded(ws WorkspaceID, key, hash string) (Outcome, bool) {
	n.fsm.mu.Lock()
	defer n.fsm.mu.Unlock()
	v, ok := n.fsm.meta[ws][IdempotencyBucket][key]
	if !ok {
		return Outcome{}, false
	}
	var r idemRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return Outcome{}, false
	}
	if r.Hash != hash {
		return Outcome{Err: fmt.Errorf("%w: key %q", ErrIdempotencyKeyReused, key)}, true
	}
	return Outcome{Ready: r.ready(), Err: r.Err.error()}, true
}
