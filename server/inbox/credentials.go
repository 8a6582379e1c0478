package inbox

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/phonebalance/phonebalance/replica"
	"github.com/phonebalance/phonebalance/server/httpedge"
	"golang.org/x/crypto/argon2"
)

// Meta is the replicated meta store the credentials live in:
// *replica.Node's PutMeta, DeleteMeta and GetMeta. Writes go through the
// raft log (so every node can check a password); reads are this node's.
// Implementations must be safe for concurrent use.
type Meta interface {
	PutMeta(ctx context.Context, ws replica.WorkspaceID, bucket, key string, value []byte) error
	DeleteMeta(ctx context.Context, ws replica.WorkspaceID, bucket, key string) error
	GetMeta(ws replica.WorkspaceID, bucket, key string) ([]byte, bool)
}

// CredentialBucket is the meta store bucket of teammate credentials, keyed
// by teammate ID.
const CredentialBucket = "credentials"

// Password limits: a password shorter than MinPasswordLen or longer than
// MaxPasswordLen bytes is refused (400 invalid_argument).
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// The argon2id parameters of new hashes: OWASP's recommended minimum for
// argon2id (19 MiB of memory, 2 passes, 1 lane), a 16-byte random salt and
// a 32-byte key. Each record keeps its own parameters, so raising them
// later leaves older hashes checkable. One check takes ~19 MiB for some
// tens of milliseconds; [Login] bounds how many run at once.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Credential is one teammate's stored sign-in: the role their session
// gets and the argon2id hash of their password, never the password.
type Credential struct {
	// Role is "teammate" or "supervisor".
	Role string `json:"role"`
	// Algorithm is "argon2id".
	Algorithm string `json:"alg"`
	Time      uint32 `json:"t"`
	MemoryKiB uint32 `json:"m"`
	Threads   uint8  `json:"p"`
	Salt      []byte `json:"salt"`
	Hash      []byte `json:"hash"`
}

// ErrWrongPassword: the teammate has no credential, or the password is not
// theirs (one error for both, so a sign-in does not tell which).
var ErrWrongPassword = fmt.Errorf("%w: wrong teammate or password", httpedge.ErrUnauthorized)

// parseRole reads a credential's role.
func parseRole(s string) (httpedge.Role, error) {
	switch s {
	case "teammate":
		return httpedge.RoleTeammate, nil
	case "supervisor":
		return httpedge.RoleSupervisor, nil
	}
	return 0, httpedge.Errorf(httpedge.ErrBadRequest, "role %q (want teammate or supervisor)", s)
}

// checkPassword refuses a password out of the limits or not UTF-8.
func checkPassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return httpedge.Errorf(httpedge.ErrBadRequest, "the password must be %d to %d bytes", MinPasswordLen, MaxPasswordLen)
	}
	if !utf8.ValidString(pw) {
		return httpedge.Errorf(httpedge.ErrInvalidUTF8, "the password is not UTF-8")
	}
	return nil
}

// NewCredential hashes password with argon2id and a fresh random salt.
// It takes tens of milliseconds and ~19 MiB; safe for concurrent use.
func NewCredential(role, password string) (Credential, error) {
	if _, err := parseRole(role); err != nil {
		return Credential{}, err
	}
	if err := checkPassword(password); err != nil {
		return Credential{}, err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return Credential{}, err
	}
	return Credential{Role: role, Algorithm: "argon2id", Time: argonTime, MemoryKiB: argonMemory,
		Threads: argonThreads, Salt: salt,
		Hash: argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)}, nil
}

// Matches reports, in constant time for a given record, whether password
// is the one c was made from.
func (c Credential) Matches(password string) bool {
	if c.Algorithm != "argon2id" || len(c.Hash) == 0 || c.Time == 0 || c.MemoryKiB == 0 || c.Threads == 0 ||
		c.MemoryKiB > 1<<20 || c.Time > 16 {
		return false
	}
	got := argon2.IDKey([]byte(password), c.Salt, c.Time, c.MemoryKiB, c.Threads, uint32(len(c.Hash)))
	return subtle.ConstantTimeCompare(got, c.Hash) == 1
}

// dummy is checked when a teammate has no credential, so that a sign-in
// takes as long for an unknown teammate as for a wrong password.
// It is made on first use, so importing the package costs nothing.
var dummy = sync.OnceValue(func() Credential {
	c, err := NewCredential("teammate", "not-a-password-anybody-has")
	if err != nil {
		panic(err) // only crypto/rand failing, which Go treats as fatal anyway
	}
	return c
})

// Credentials reads and writes teammate credentials in one workspace of
// the meta store. Safe for concurrent use.
type Credentials struct {
	meta Meta
	ws   replica.WorkspaceID
}

// NewCredentials returns the credentials of workspace ws in meta.
func NewCredentials(meta Meta, ws replica.WorkspaceID) *Credentials {
	return &Credentials{meta: meta, ws: ws}
}

// Set stores c for teammate through the log (replicated to every node).
func (cs *Credentials) Set(ctx context.Context, teammate string, c Credential) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return cs.meta.PutMeta(ctx, cs.ws, CredentialBucket, teammate, b)
}

// Delete removes teammate's credential; removing an absent one is not an
// error.
func (cs *Credentials) Delete(ctx context.Context, teammate string) error {
	return cs.meta.DeleteMeta(ctx, cs.ws, CredentialBucket, teammate)
}

// Check returns the role of teammate when password is theirs, or
// [ErrWrongPassword]. It runs one argon2id hash whether or not the
// teammate has a credential.
func (cs *Credentials) Check(teammate, password string) (httpedge.Role, error) {
	c, found := cs.get(teammate)
	if !found {
		dummy().Matches(password)
		return 0, ErrWrongPassword
	}
	if !c.Matches(password) {
		return 0, ErrWrongPassword
	}
	role, err := parseRole(c.Role)
	if err != nil {
		return 0, ErrWrongPassword
	}
	return role, nil
}

// Has reports whether teammate has a credential on this node.
func (cs *Credentials) Has(teammate string) bool {
	_, ok := cs.get(teammate)
	return ok
}

func (cs *Credentials) get(teammate string) (Credential, bool) {
	b, ok := cs.meta.GetMeta(cs.ws, CredentialBucket, teammate)
	if !ok {
		return Credential{}, false
	}
	var c Credential
	if err := json.Unmarshal(b, &c); err != nil {
		return Credential{}, false
	}
	return c, true
}
