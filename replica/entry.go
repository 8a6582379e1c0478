package replica

import (
	"encoding/json"
	"fmt"

	"github.com/phonebalance/phonebalance/assign"
)

// entryVersion is the first byte of every command entry the node writes;
// metaEntryVersion that of an entry that changes only the meta store (a
// node that predates the meta store refuses it as a bad entry, changing
// nothing, instead of taking it for a command).
const (
	entryVersion     = 1
	metaEntryVersion = 2
)

// entry is one log entry: a command for one workspace, stamped by the
// leader. Engine is the leader's engine config, sent while the leader does
// not know the workspace yet: the state machine creates a new workspace's
// engine with the config of the entry that creates it, so every node
// creates it alike whatever its own Config.Engine says. An entry with Meta
// (version metaEntryVersion) changes only the workspace's meta store: it
// has no Command and creates no engine.
type entry struct {
	Workspace WorkspaceID    `json:"w"`
	Command   assign.Command `json:"c"`
	Engine    *assign.Config `json:"e,omitempty"`
	Meta      []metaOp       `json:"m,omitempty"`
	// Idem keys a command ([Node.DoIdempotent]); old entries have none.
	Idem *idemTag `json:"i,omitempty"`
	// Trace is the trace of the context the command was submitted with
	// ([WithTrace]), handed back in its Delivery; none if empty.
	Trace string `json:"t,omitempty"`
}

// metaEntry is the encoding of an entry with Meta: the entry without
// its Command (which has no encoding when empty).
type metaEntry struct {
	Workspace WorkspaceID `json:"w"`
	Meta      []metaOp    `json:"m"`
}

func encodeEntry(e entry) ([]byte, error) {
	if len(e.Meta) > 0 {
		b, err := json.Marshal(metaEntry{Workspace: e.Workspace, Meta: e.Meta})
		if err != nil {
			return nil, err
		}
		return append([]byte{metaEntryVersion}, b...), nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append([]byte{entryVersion}, b...), nil
}

func decodeEntry(data []byte) (entry, error) {
	var e entry
	if len(data) == 0 || (data[0] != entryVersion && data[0] != metaEntryVersion) {
		return e, fmt.Errorf("%w: unknown version", ErrBadEntry)
	}
	if err := json.Unmarshal(data[1:], &e); err != nil {
		return e, fmt.Errorf("%w: %v", ErrBadEntry, err)
	}
	if e.Workspace == "" {
		return e, fmt.Errorf("%w: empty workspace", ErrBadEntry)
	}
	if (data[0] == metaEntryVersion) != (len(e.Meta) > 0) {
		return e, fmt.Errorf("%w: meta changes and version disagree", ErrBadEntry)
	}
	for _, op := range e.Meta {
		if err := op.check(); err != nil {
			return e, fmt.Errorf("%w: %v", ErrBadEntry, err)
		}
	}
	return e, nil
}
