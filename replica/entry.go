package replica

import (
	"encoding/json"
	"fmt"

	"github.com/phonebalance/phonebalance/assign"
)

// entryVersion is the first byte of every log entry the node writes.
const entryVersion = 1

// entry is one log entry: a command for one workspace, stamped by the
// leader.
type entry struct {
	Workspace WorkspaceID    `json:"w"`
	Command   assign.Command `json:"c"`
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
