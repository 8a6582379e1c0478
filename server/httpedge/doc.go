// Package httpedge is the server's one HTTP edge, shared by the API and the
// dashboard: the error table and the one error body every response uses
// ({"code": "...", "error": "..."}), authentication (a [Principal] in the
// request context, from an Authorization header or the login cookie), the
// same-origin guard for state-changing requests
// (net/http.CrossOriginProtection), the table of input limits and the
// strict JSON decoder, the duration encoding on the wire (integer
// milliseconds in fields named *_ms), a ServeMux wrapper that answers 404
// and 405 with the error body, and the connection policy that keeps
// unauthenticated connections from holding the server's connection slots.
//
// Everything here is safe for concurrent use unless its doc says otherwise.
package httpedge
