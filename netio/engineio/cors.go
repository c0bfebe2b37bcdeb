package engineio

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

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
