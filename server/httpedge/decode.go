package httpedge

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"
)

// DecodeJSON reads r's body, at most MaxJSONBody bytes, into v, strictly:
// a Content-Type other than JSON is refused (ErrUnsupportedMediaType, 415;
// no Content-Type, and curl's default application/x-www-form-urlencoded,
// are read as JSON, which a real form body is not), a body over the limit
// is ErrTooLarge (413), a body that is not valid UTF-8 is ErrInvalidUTF8
// (400; encoding/json would silently replace the bad bytes with U+FFFD),
// and malformed JSON, an unknown field or anything after the value is
// ErrBadRequest (400). With optional, an empty body leaves v as it is.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/x-www-form-urlencoded") {
			return Errorf(ErrUnsupportedMediaType, "send Content-Type: application/json, not %q", ct)
		}
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxJSONBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return Errorf(ErrTooLarge, "body larger than %d bytes", MaxJSONBody)
		}
		return Errorf(ErrBadRequest, "reading the body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		if optional {
			return nil
		}
		return Errorf(ErrBadRequest, "empty body: send a JSON object")
	}
	if !utf8.Valid(b) {
		return Errorf(ErrInvalidUTF8, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(ErrBadRequest, "%v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(ErrBadRequest, "data after the JSON value")
	}
	return nil
}
