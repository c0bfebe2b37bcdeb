package mpwire

// Skip returns the index just after the value at b[i:], which may nest at
// most maxDepth levels of arrays and maps (0: a scalar, str, bin or ext
// only); deeper is ErrTooDeep. It recurses once per level, so the bound is
// also what it costs in stack: a decoder that recurses itself passes what
// is left of its own bound, and so accepts exactly what it can decode.
func Skip(b []byte, i, maxDepth int) (next int, err error) {
	h, i, err := ReadHead(b, i)
	if err != nil {
		return i, err
	}
	switch h.Kind {
	case Str, Bin, Ext:
		return i + h.N, nil
	case Array, Map:
		if maxDepth <= 0 {
			return i, ErrTooDeep
		}
		n := h.N
		if h.Kind == Map {
			n *= 2
		}
		for ; n > 0; n-- {
			if i, err = Skip(b, i, maxDepth-1); err != nil {
				return i, err
			}
		}
	}
	return i, nil
}

// SkipN returns the index just after the n values that start at b[i:]. It
// walks without recursion, counting the elements each array or map adds, so
// nesting of any depth costs no stack and is not bounded: for readers that
// only pass over what they do not read, and accept what any msgpack decoder
// accepts.
func SkipN(b []byte, i, n int) (next int, err error) {
	for ; n > 0; n-- {
		// Every value takes a byte at least. This also keeps n, which only
		// grows by counts ReadHead checked against the bytes left, small.
		if n > len(b)-i {
			return i, ErrTruncated
		}
		h, j, err := ReadHead(b, i)
		if err != nil {
			return j, err
		}
		i = j
		switch h.Kind {
		case Str, Bin, Ext:
			i += h.N
		case Array:
			n += h.N
		case Map:
			n += 2 * h.N
		}
	}
	return i, nil
}
