package replica

import (
	"encoding/json"
	"fmt"

	"github.com/phonebalance/phonebalance/assign"
)

// entryVersion is the first byte of every log entry the node writes.
const entryVersion = 1

// entry is one log entry: a command for one workspace, stamped by the
// leader. Engine is the leader's engine config, sent while the leader does
// not know the workspace yet: the state machine creates a new workspace's
// engine with the config of the entry that creates it, so every node
// creates it alike whatever its own Config.Engine says.
type entry struct {
	Workspace WorkspaceID    `json:"w"`
	Command   assign.Command `json:"c"`
	Engine    *assign.Config `json:"e,omitempty"`
}

func encodeEntry(e entry) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append([]byte{entryVersion}, b...), nil
}

func decodeEntry(data []byte) (entry, error) {
	var e entry
	if len(data) == 0 || data[0] != entryVersion {
		return e, fmt.Errorf("%w: unknown version", ErrBadEntry)
	}
	if err := json.Unmarshal(data[1:], &e); err != nil {
		return e, fmt.Errorf("%w: %v", ErrBadEntry, err)
	}
	if e.Workspace == "" {
		return e, fmt.Errorf("%w: empty workspace", ErrBadEntry)
	}
	return e, nil
}
