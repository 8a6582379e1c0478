package telephony

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/phonebalance/phonebalance/assign"
	"github.com/phonebalance/phonebalance/client"
	"github.com/phonebalance/phonebalance/replica"
)

// WebhookConfig configures a [Webhook].
type WebhookConfig struct {
	// URL receives every effect as a POST. Required.
	URL string
	// Secret signs every POST (client.SignatureHeader). Required, at
	// least 16 bytes.
	Secret []byte
	// Client sends the POSTs; nil means one with a 5 s timeout per
	// attempt.
	Client *http.Client
	// Backoff is the wait before the first retry, doubled after each up
	// to 2 s; zero means 100 ms.
	Backoff time.Duration
	// Now stamps the signatures; nil means time.Now.
	Now func() time.Time
	// Logger receives the retries, logged with Execute's context (which
	// carries the effect's trace); nil means slog.Default().
	Logger *slog.Logger
}

// Webhook is a [Telephony] for hosts that are not written in Go: it POSTs
// each effect as JSON (client.WebhookEffect) to a URL, signed with
// HMAC-SHA256 over a timestamp and the body (client.SignatureHeader; verify
// with client.VerifySignature), with the effect's stable ID as the
// Idempotency-Key, so the host carries each effect out once even when it
// is sent again (a retry, a change of leader).
//
// A timeout, a connection failure, a 5xx or a 429 is retried with
// exponential backoff until the dispatcher's deadline (Execute's ctx);
// then Execute returns the error. A 4xx is a definite refusal: Execute
// returns it at once, so a refused Ring becomes a connectivity decline at
// once and the call rings the next teammate. The dispatcher calls Execute
// for one call's effects one at a time, in log order, so the host receives
// them in that order. Safe for concurrent use.
type Webhook struct {
	cfg WebhookConfig
}

// NewWebhook returns the webhook telephony of cfg.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.URL == "" {
		return nil, errors.New("telephony: webhook: no URL")
	}
	if len(cfg.Secret) < 16 {
		return nil, errors.New("telephony: webhook: the secret must be at least 16 bytes")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Webhook{cfg: cfg}, nil
}

// RefusedError is a webhook the host answered with a 4xx.
type RefusedError struct {
	Status int
	Body   string
}

// Error describes the refusal.
func (e *RefusedError) Error() string {
	return fmt.Sprintf("telephony: webhook refused: %d %s", e.Status, e.Body)
}

// WebhookBody returns ef as the webhook's JSON body.
func WebhookBody(ef Effect) client.WebhookEffect {
	return client.WebhookEffect{ID: fmt.Sprintf("%d:%d", ef.ID.Index, ef.ID.Ordinal), Workspace: string(ef.Workspace),
		Reconcile: ef.Reconcile, Effect: webhookEffect(ef.Effect)}
}

// webhookEffect is ef as the webhook's JSON carries it.
func webhookEffect(ef assign.Effect) client.Effect {
	return client.Effect{Kind: ef.Kind.String(), Call: ef.Call, Teammate: ef.Teammate, Team: ef.Team, Until: ef.Until,
		AutoAnswer: ef.AutoAnswer, Deflection: ef.Deflection}
}

// Execute POSTs ef, retrying until ctx ends (see [Webhook]).
func (w *Webhook) Execute(ctx context.Context, ef Effect) error {
	msg := WebhookBody(ef)
	key := msg.ID
	if ef.Reconcile {
		key += ":reconcile"
	}
	return w.send(ctx, msg, key)
}

// Reconcile POSTs a "reconcile" message with every ring the new leader's
// state implies (see client.WebhookEffect); a refusal or a failure past
// ctx declines them all for connectivity. Safe for concurrent use.
func (w *Webhook) Reconcile(ctx context.Context, ws replica.WorkspaceID, rings []Ring) error {
	msg := client.WebhookEffect{ID: "reconcile:" + strconv.FormatInt(w.cfg.Now().UnixNano(), 10),
		Workspace: string(ws), Effect: client.Effect{Kind: "reconcile"}, Rings: []client.Effect{}}
	for _, r := range rings {
		msg.Rings = append(msg.Rings, webhookEffect(r.Effect()))
	}
	if err := w.send(ctx, msg, msg.ID); err != nil {
		return &UnplacedError{Rings: rings, Err: err}
	}
	return nil
}

func (w *Webhook) send(ctx context.Context, msg client.WebhookEffect, key string) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	wait := w.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := w.post(ctx, body, key)
		var refused *RefusedError
		if err == nil || errors.As(err, &refused) {
			return err
		}
		w.cfg.Logger.WarnContext(ctx, "webhook failed; retrying", "effect", key, "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("telephony: webhook %s: %w (last: %v)", key, ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

func (w *Webhook) post(ctx context.Context, body []byte, key string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return &RefusedError{Status: 0, Body: err.Error()} // a bad URL is not worth retrying
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	req.Header.Set(client.SignatureHeader, client.Sign(w.cfg.Secret, body, w.cfg.Now()))
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	switch {
	case resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("telephony: webhook: %d %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return &RefusedError{Status: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
}
