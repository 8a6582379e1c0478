package api

import (
	"github.com/phonebalance/phonebalance/server/httpedge"
)

// CookieName is the login cookie (see httpedge.CookieName).
const CookieName = httpedge.CookieName

// MinTokenLen is the shortest token accepted.
const MinTokenLen = httpedge.MinTokenLen

// Authenticator is the server token's check, httpedge's [httpedge.Token]:
// the one authentication of the API and the dashboard.
type Authenticator = httpedge.Token

// NewAuthenticator returns the check of token (see httpedge.NewToken).
func NewAuthenticator(token string) (*Authenticator, error) { return httpedge.NewToken(token) }
