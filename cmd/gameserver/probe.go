package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// probeTimeout bounds one probe; Kubernetes' own timeoutSeconds should be
// longer.
const probeTimeout = 3 * time.Second

// probe is `gameserver -probe /readyz`: it asks the path of the admin
// listener of cfg (the same flags and environment as the server's, the
// token from TICKROOM_ADMIN_TOKEN) and returns the exit status: 0 on 200,
// 1 otherwise. A Kubernetes exec probe runs it in the server's container,
// so the token never appears in the pod spec (docs/operations.md).
func probe(cfg config, out io.Writer) int {
	if cfg.Ops.AdminAddr == "" {
		fmt.Fprintln(out, "gameserver -probe: no admin listener (-admin-addr is empty)")
		return 1
	}
	host, port, err := net.SplitHostPort(cfg.Ops.AdminAddr)
	if err != nil {
		fmt.Fprintln(out, "gameserver -probe: -admin-addr:", err)
		return 1
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // listening on every interface: this one is among them
	}
	path := cfg.Ops.Probe
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		fmt.Fprintln(out, "gameserver -probe:", err)
		return 1
	}
	if cfg.Ops.AdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.Ops.AdminToken)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(out, "gameserver -probe:", err)
		return 1
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	fmt.Fprintf(out, "%s %s: %s", path, res.Status, body)
	if res.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
