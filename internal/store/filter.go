package store

import (
	"database/sql"
	"slices"
	"strings"

	"github.com/tollgate/tollgate/internal/filter"
)

// conds gathers the conditions of a query built from a request (a
// Describe call's filters), with their arguments, to be joined with AND.
type conds struct {
	dialect Dialect
	where   []string
	args    []any
}

func (c *conds) add(cond string, args ...any) {
	c.where = append(c.where, cond)
	c.args = append(c.args, args...)
}

// sql is the WHERE clause: "" when there is no condition.
func (c *conds) sql() string {
	if len(c.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.where, " AND ")
}

// limited returns query with LIMIT n added, its argument to c, when n is
// positive; query as it is otherwise (no limit).
func (c *conds) limited(query string, n int) string {
	if n <= 0 {
		return query
	}
	c.args = append(c.args, n)
	return query + ` LIMIT ?`
}

// collectRows reads every row of a query's answer with scan, classifying
// the query's, the scan's and the rows' errors.
func collectRows[T any](db *DB, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, db.classify(err)
		}
		out = append(out, v)
	}
	return out, db.classify(rows.Err())
}

// placeholders returns n comma-separated placeholders.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// anyOf adds "col IN (values)" for a list of exact values; none matches
// nothing.
func (c *conds) anyOf(col string, values []string) {
	if len(values) == 0 {
		c.add("1 = 0")
		return
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	c.add(col+" IN ("+placeholders(len(values))+")", args...)
}

// matchAny returns the condition that col matches one of the filter
// values, and its arguments: the values without wildcards compared at
// once with IN (so that an index serves them), the others each with the
// dialect's pattern match. Both are case-sensitive, as EC2's filters are:
// SQLite's GLOB is, PostgreSQL's LIKE is.
func matchAny(dialect Dialect, col string, values []string) (string, []any) {
	var exact, patterns []string
	for _, v := range values {
		if lit, ok := filter.Literal(v); ok {
			exact = append(exact, lit)
		} else {
			patterns = append(patterns, v)
		}
	}
	var parts []string
	var args []any
	if len(exact) > 0 {
		parts = append(parts, col+" IN ("+placeholders(len(exact))+")")
		for _, v := range exact {
			args = append(args, v)
		}
	}
	for _, p := range patterns {
		if dialect == Postgres {
			parts = append(parts, col+` LIKE ? ESCAPE '\'`)
			args = append(args, likePattern(p))
		} else {
			parts = append(parts, col+" GLOB ?")
			args = append(args, globPattern(p))
		}
	}
	if len(parts) == 1 {
		return parts[0], args
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// likePattern writes a filter value as a PostgreSQL LIKE pattern with
// backslash escapes.
func likePattern(value string) string {
	var b strings.Builder
	for _, p := range filter.Parse(value) {
		switch {
		case p.Any:
			b.WriteString("%")
		case p.One:
			b.WriteString("_")
		default:
			for _, r := range p.Literal {
				if r == '%' || r == '_' || r == '\\' {
					b.WriteByte('\\')
				}
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// globPattern writes a filter value as an SQLite GLOB pattern, whose
// special characters stand for themselves inside brackets.
func globPattern(value string) string {
	var b strings.Builder
	for _, p := range filter.Parse(value) {
		switch {
		case p.Any:
			b.WriteString("*")
		case p.One:
			b.WriteString("?")
		default:
			for _, r := range p.Literal {
				if r == '*' || r == '?' || r == '[' {
					b.WriteString("[" + string(r) + "]")
				} else {
					b.WriteRune(r)
				}
			}
		}
	}
	return b.String()
}

// matches adds the condition that col matches one of values.
func (c *conds) matches(col string, values []string) {
	cond, args := matchAny(c.dialect, col, values)
	c.add(cond, args...)
}

// constant adds the condition for a filter on a value every row has:
// nothing if the value matches, a false condition if not.
func (c *conds) constant(value string, values []string) {
	if !filter.MatchAny(values, value) {
		c.add("1 = 0")
	}
}

// boolean adds the condition that an integer boolean column matches one of
// values ("true", "false"); other values match nothing.
func (c *conds) boolean(col string, values []string) {
	var want []string
	for _, v := range values {
		if filter.Match(v, "true") && !slices.Contains(want, "1") {
			want = append(want, "1")
		}
		if filter.Match(v, "false") && !slices.Contains(want, "0") {
			want = append(want, "0")
		}
	}
	switch {
	case len(want) == 0:
		c.add("1 = 0")
	case len(want) == 1:
		c.add(col + " = " + want[0])
	}
}

// tagged adds the condition that the account's tags on the resource in
// column idCol match the filter name (tag:<key>, tag-key or tag-value) and
// values; it reports false for another name.
func (c *conds) tagged(account, idCol, name string, values []string) bool {
	base := "EXISTS (SELECT 1 FROM ec2_tags t WHERE t.account = ? AND t.resource_id = " + idCol + " AND "
	switch key, isTag := filter.TagKey(name); {
	case isTag:
		cond, args := matchAny(c.dialect, "t.tag_value", values)
		c.add(base+"t.tag_key = ? AND "+cond+")", append([]any{account, key}, args...)...)
	case name == "tag-key":
		cond, args := matchAny(c.dialect, "t.tag_key", values)
		c.add(base+cond+")", append([]any{account}, args...)...)
	case name == "tag-value":
		cond, args := matchAny(c.dialect, "t.tag_value", values)
		c.add(base+cond+")", append([]any{account}, args...)...)
	default:
		return false
	}
	return true
}
