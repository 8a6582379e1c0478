package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultWorkspace is the workspace a one-workspace server runs.
const DefaultWorkspace = "default"

// Client calls one phonebalanced cluster's host API. Create it with
// [New]; it is safe for concurrent use. Any node of the cluster will do:
// a follower forwards writes to the leader itself, and reads are served
// by the node that receives them.
type Client struct {
	base      string
	token     string
	workspace string
	http      *http.Client
	retries   int
	backoff   time.Duration
}

// Option configures a [Client].
type Option func(*Client)

// WithWorkspace selects the workspace (default "default").
func WithWorkspace(ws string) Option { return func(c *Client) { c.workspace = ws } }

// WithHTTPClient replaces the http.Client (default: a 30 s timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetries sets how many times a request is retried after a 503
// not_leader, no_leader, busy, timeout or closed, a 429 rate_limited, or
// a connection failure (default 8), and the first backoff, doubled each
// time up to 2 s (default 50 ms). An answer that does not decode is not
// retried: the server would give the same again.
func WithRetries(n int, backoff time.Duration) Option {
	return func(c *Client) { c.retries, c.backoff = n, backoff }
}

// New returns a client of the API at baseURL ("http://10.0.0.5:8080")
// authenticating with token.
func New(baseURL, token string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), token: token, workspace: DefaultWorkspace,
		http: &http.Client{Timeout: 30 * time.Second}, retries: 8, backoff: 50 * time.Millisecond}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is an answer the server refused, with its stable code (the
// server's error table: "unknown_call", "not_ringing", ...).
type Error struct {
	Status  int
	Code    string
	Message string
}

// Error describes the refusal.
func (e *Error) Error() string {
	return fmt.Sprintf("phonebalance: %d %s: %s", e.Status, e.Code, e.Message)
}

// Code returns err's server error code, or "" if err is not an [*Error].
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// refusal returns the *Error of an answer with status (not 2xx) and body
// b: the server's error body, or the status and text of another.
func refusal(status int, b []byte) *Error {
	var eb ErrorBody
	_ = json.Unmarshal(b, &eb)
	if eb.Code == "" {
		eb.Code, eb.Error = "http_"+fmt.Sprint(status), strings.TrimSpace(string(b))
	}
	return &Error{Status: status, Code: eb.Code, Message: eb.Error}
}

// retryable reports whether the refusal means the request may be sent
// again (with the same Idempotency-Key for a write): the cluster could
// not take it now.
func (e *Error) retryable() bool {
	if e.Status != http.StatusServiceUnavailable && e.Status != http.StatusTooManyRequests {
		return false
	}
	switch e.Code {
	case "not_leader", "no_leader", "busy", "timeout", "closed", "rate_limited":
		return true
	}
	return false
}

// NewIdempotencyKey returns a random key for one logical write.
func NewIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type keyCtx struct{}

// WithIdempotencyKey makes the writes made with ctx carry key instead of
// a fresh one: a host that retries a write after its own restart passes
// the key it used the first time.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyCtx{}, key)
}

// ws returns the path of a workspace resource.
func (c *Client) ws(format string, args ...any) string {
	for i, a := range args {
		args[i] = url.PathEscape(fmt.Sprint(a))
	}
	return "/v1/workspaces/" + url.PathEscape(c.workspace) + fmt.Sprintf(format, args...)
}

// Do sends one request (body encoded as JSON if not nil) and decodes a 2xx
// answer into out (if not nil). A write (any method but GET) carries an
// Idempotency-Key, the same on every retry. It retries, with backoff, the
// answers that say the cluster could not take the request now and
// connection failures; ctx bounds the whole. Other refusals are an
// [*Error].
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return err
		}
	}
	key := ""
	if method != http.MethodGet {
		key, _ = ctx.Value(keyCtx{}).(string)
		if key == "" {
			key = NewIdempotencyKey()
		}
	}
	wait := c.backoff
	for attempt := 0; ; attempt++ {
		retry, err := c.once(ctx, method, path, data, key, out)
		if err == nil {
			return nil
		}
		if !retry || attempt >= c.retries || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// once sends the request once and reports whether sending it again may
// succeed: after a connection failure or a retryable refusal, not
// after a request that cannot be made or an answer that does not decode.
func (c *Client) once(ctx context.Context, method, path string, data []byte, key string, out any) (retry bool, err error) {
	var rd io.Reader
	if data != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return false, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if data != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return true, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return true, err
	}
	if resp.StatusCode >= 300 {
		e := refusal(resp.StatusCode, b)
		return e.retryable(), e
	}
	if out == nil || len(b) == 0 {
		return false, nil
	}
	return false, json.Unmarshal(b, out)
}

// result is Do for a command answering a Result.
func (c *Client) result(ctx context.Context, method, path string, body any) (Result, error) {
	var r Result
	err := c.Do(ctx, method, path, body, &r)
	return r, err
}
