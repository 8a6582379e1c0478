package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrGap is passed to a StreamEffects handler when the server says that
// effects after the last ID may be missing (see GET …/effects).
var ErrGap = errors.New("phonebalance: effects may be missing before the next one")

// StreamEffects reads the workspace's effects stream (GET …/effects) from
// after the effect ID after ("" for everything the node holds), calling
// handle for each effect in log order, until ctx ends or handle returns an
// error (which it returns). On a dropped connection, or a refusal that
// says the cluster cannot serve now (as [Client.Do] retries), it
// reconnects with backoff and resumes from the last ID handled, so a host
// sees each effect once even across a change of leader; another refusal
// (a wrong token, say) is returned as an [*Error]. A gap is reported as a handle call
// with a zero WebhookEffect and ErrGap as gapErr. Safe for concurrent use
// (each call is one stream).
func (c *Client) StreamEffects(ctx context.Context, after string, handle func(ef WebhookEffect, gapErr error) error) error {
	wait := c.backoff
	for {
		progressed, err := c.streamOnce(ctx, &after, handle)
		var final finalError
		if errors.As(err, &final) {
			return final.err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if progressed {
			wait = c.backoff
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// finalError is an error StreamEffects returns as it is, without
// reconnecting: the handler's, or a refusal that retrying cannot change.
type finalError struct{ err error }

func (f finalError) Error() string { return f.err.Error() }

func (c *Client) streamOnce(ctx context.Context, after *string, handle func(WebhookEffect, error) error) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+c.ws("/effects"), nil)
	if err != nil {
		return false, finalError{err}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "text/event-stream")
	if *after != "" {
		req.Header.Set("Last-Event-ID", *after)
	}
	hc := *c.http
	hc.Timeout = 0 // a stream lasts
	resp, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if e := refusal(resp.StatusCode, b); !e.retryable() {
			return false, finalError{e}
		}
		return false, fmt.Errorf("phonebalance: effects stream: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	progressed := false
	var id, event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			id, event = "", ""
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			event = line[7:]
		case strings.HasPrefix(line, "data: ") && event == "gap":
			if err := handle(WebhookEffect{}, ErrGap); err != nil {
				return progressed, finalError{err}
			}
		case strings.HasPrefix(line, "data: ") && event == "effect":
			var m WebhookEffect
			if err := json.Unmarshal([]byte(line[6:]), &m); err != nil {
				return progressed, err
			}
			if err := handle(m, nil); err != nil {
				return progressed, finalError{err}
			}
			if id != "" {
				*after = id
			}
			progressed = true
		}
	}
	return progressed, sc.Err()
}

// Events reads one page of the workspace's event log after the event seq
// after (0: from the start); limit 0 is the server's default.
func (c *Client) Events(ctx context.Context, after uint64, limit int) (EventsPage, error) {
	var p EventsPage
	return p, c.Do(ctx, "GET", c.ws("/events")+pageQuery(nil, strconv.FormatUint(after, 10), limit), nil, &p)
}
