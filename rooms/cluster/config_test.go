package cluster

import (
	"errors"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	ok.URL, ok.PublicURL = "nats://127.0.0.1:4222", "https://eu1.example.com:8443/"
	if err := ok.Validate(); err != nil {
		t.Fatalf("a good config: %v", err)
	}
	if d := ok.withDefaults(); d.PublicURL != "https://eu1.example.com:8443" {
		t.Fatalf("PublicURL as an origin: %q", d.PublicURL)
	}
	for name, edit := range map[string]func(*Config){
		"no URL":          func(c *Config) { c.URL = "" },
		"no public URL":   func(c *Config) { c.PublicURL = "" },
		"public path":     func(c *Config) { c.PublicURL = "http://a.example/game" },
		"public query":    func(c *Config) { c.PublicURL = "http://a.example/?x=1" },
		"public scheme":   func(c *Config) { c.PublicURL = "ws://a.example" },
		"public no host":  func(c *Config) { c.PublicURL = "http://:8080" },
		"node id upper":   func(c *Config) { c.NodeID = "NodeA" },
		"node id dot":     func(c *Config) { c.NodeID = "a.b" },
		"node id long":    func(c *Config) { c.NodeID = "abcdefghijklmnopqrstuvwxyz0123456" },
		"prefix dot":      func(c *Config) { c.Prefix = "a.b" },
		"negative":        func(c *Config) { c.OpTimeout = -time.Second },
		"replicas":        func(c *Config) { c.Replicas = 6 },
		"ttl < 3 beats":   func(c *Config) { c.Heartbeat, c.NodeTTL = time.Second, 2*time.Second },
		"default ttl low": func(c *Config) { c.Heartbeat, c.NodeTTL = 4*time.Second, 0 },
	} {
		c := ok
		edit(&c)
		if err := c.Validate(); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	for range 100 {
		if id := NewNodeID(); !validNodeID(id) || len(id) != 10 {
			t.Fatalf("NewNodeID: %q", id)
		}
	}
}
