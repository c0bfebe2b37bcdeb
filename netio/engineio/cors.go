package engineio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// originAllowed applies Config.Origins: a request without an Origin header (not a browser,
// or a same-origin GET) passes, as does any when the list is empty.
func (srv *Server) originAllowed(r *http.Request) bool {
	if len(srv.cfg.Origins) == 0 {
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, o := range srv.cfg.Origins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// normalizeOrigins copies the list without trailing slashes, which an Origin header never has.
func normalizeOrigins(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, o := range list {
		out[i] = strings.TrimRight(o, "/")
	}
	return out
}

const defaultCORSMethods = "GET,HEAD,PUT,PATCH,POST,DELETE"

// applyCORS adds CORS headers as the `cors` middleware of the reference server does, and
// answers a preflight (OPTIONS) request itself, returning true.
func (srv *Server) applyCORS(w http.ResponseWriter, r *http.Request) bool {
	c := srv.cfg.CORS
	h := w.Header()
	origin := r.Header.Get("Origin")
	anyOrigin := slices.Contains(c.Origins, "*")
	if anyOrigin && !c.Credentials {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		if origin != "" && (anyOrigin || slices.Contains(c.Origins, origin)) {
			h.Set("Access-Control-Allow-Origin", origin)
		}
		h.Add("Vary", "Origin")
	}
	if c.Credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Method != http.MethodOptions {
		return false
	}
	methods := defaultCORSMethods
	if c.Methods != nil {
		methods = strings.Join(c.Methods, ",")
	}
	h.Set("Access-Control-Allow-Methods", methods)
	if c.AllowedHeaders == nil {
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		}
		h.Add("Vary", "Access-Control-Request-Headers")
	} else if len(c.AllowedHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowedHeaders, ","))
	}
	if c.MaxAge > 0 {
		h.Set("Access-Control-Max-Age", strconv.FormatInt(int64(c.MaxAge.Seconds()), 10))
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return true
}
