package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tollgate/tollgate/internal/catalog"
	"github.com/tollgate/tollgate/internal/fault"
	"github.com/tollgate/tollgate/internal/money"
)

// Catalog implements catalog.Store.
type Catalog struct{ db *DB }

// Catalog returns the catalog store.
func (db *DB) Catalog() *Catalog { return &Catalog{db: db} }

var _ catalog.Store = (*Catalog)(nil)

// CreateProduct stores a product and its first price version in one
// transaction. A taken ID or product code is fault.Conflict.
func (s *Catalog) CreateProduct(ctx context.Context, p catalog.Product, v catalog.PriceVersion) (err error) {
	defer fault.Annotate(&err, "store: create product %s", p.ID)
	doc, err := encodeDoc(productDocOf(p), "product")
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT INTO products (id, seller, code, token, kind, price_version, created_at, updated_at, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.ID, p.Seller, p.Code, p.Token, string(p.Kind), p.PriceVersion, p.CreatedAt.UnixNano(), p.UpdatedAt.UnixNano(), doc); err != nil {
			if fault.Is(s.db.classify(err), fault.Conflict) {
				return fault.New(fault.Conflict, "product %s or product code %s is taken", p.ID, p.Code)
			}
			return err
		}
		return insertPriceVersion(tx, v)
	})
}

func insertPriceVersion(tx *Tx, v catalog.PriceVersion) error {
	doc, err := encodeDoc(pricingDocOf(v.Pricing), "price version")
	if err != nil {
		return err
	}
	_, err = tx.Exec(`INSERT INTO price_versions (product_id, version, effective_at, created_at, doc) VALUES (?, ?, ?, ?, ?)`,
		v.ProductID, v.Version, v.EffectiveAt.UnixNano(), v.CreatedAt.UnixNano(), doc)
	return err
}

// selectProduct reads what scanProduct scans.
const selectProduct = `SELECT id, seller, code, token, kind, price_version, created_at, updated_at, doc FROM products`

func scanProduct(row scanner) (catalog.Product, error) {
	var p catalog.Product
	var kind, doc string
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Seller, &p.Code, &p.Token, &kind, &p.PriceVersion, &created, &updated, &doc); err != nil {
		return catalog.Product{}, err
	}
	var d productDoc
	if err := decodeDoc(doc, &d, "product "+p.ID); err != nil {
		return catalog.Product{}, err
	}
	d.fill(&p)
	p.Kind, p.CreatedAt, p.UpdatedAt = catalog.Kind(kind), fromNanos(created), fromNanos(updated)
	return p, nil
}

// GetProduct returns a product by ID.
func (s *Catalog) GetProduct(ctx context.Context, id string) (p catalog.Product, err error) {
	defer fault.Annotate(&err, "store: read product %s", id)
	p, err = scanProduct(s.db.queryRow(ctx, selectProduct+` WHERE id = ?`, id))
	return p, s.notFound(err, "product %s does not exist", id)
}

// ProductByCode returns the product with a product code.
func (s *Catalog) ProductByCode(ctx context.Context, code string) (p catalog.Product, err error) {
	defer fault.Annotate(&err, "store: read the product of code %s", code)
	p, err = scanProduct(s.db.queryRow(ctx, selectProduct+` WHERE code = ?`, code))
	return p, s.notFound(err, "no product has the code %s", code)
}

// notFound classifies err, saying what was not found in words a client
// can be shown.
func (s *Catalog) notFound(err error, format string, args ...any) error {
	err = s.db.classify(err)
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.NotFound, format, args...)
	}
	return err
}

// ListProductsBySeller returns at most limit of a seller's products whose
// ID sorts after after, in ID order.
func (s *Catalog) ListProductsBySeller(ctx context.Context, seller, after string, limit int) (ps []catalog.Product, err error) {
	defer fault.Annotate(&err, "store: list the products of %s", seller)
	rows, err := s.db.query(ctx, selectProduct+` WHERE seller = ? AND id > ? ORDER BY id LIMIT ?`, seller, after, limit)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		ps = append(ps, p)
	}
	return ps, s.db.classify(rows.Err())
}

// UpdateProduct changes a product's name, description, instance types,
// return URL and update time; its code, token and pricing stay.
func (s *Catalog) UpdateProduct(ctx context.Context, p catalog.Product) (err error) {
	defer fault.Annotate(&err, "store: update product %s", p.ID)
	return s.db.Update(ctx, func(tx *Tx) error {
		return s.rewriteProduct(tx, p.ID, func(d *productDoc) {
			d.Name, d.Description, d.InstanceTypes, d.ReturnURL = p.Name, p.Description, p.InstanceTypes, p.ReturnURL
		}, `updated_at = ?`, p.UpdatedAt.UnixNano())
	})
}

// rewriteProduct reads a product's document in tx, lets change it, and
// writes it back with the columns set (an assignment with its arguments).
func (s *Catalog) rewriteProduct(tx *Tx, id string, change func(*productDoc), set string, args ...any) error {
	var text string
	if err := tx.QueryRow(`SELECT doc FROM products WHERE id = ?`, id).Scan(&text); err != nil {
		return s.notFound(err, "product %s does not exist", id)
	}
	var d productDoc
	if err := decodeDoc(text, &d, "product "+id); err != nil {
		return err
	}
	change(&d)
	doc, err := encodeDoc(d, "product")
	if err != nil {
		return err
	}
	_, err = tx.Exec(`UPDATE products SET doc = ?, `+set+` WHERE id = ?`, append(append([]any{doc}, args...), id)...)
	return err
}

// AddPriceVersion stores a new price version and makes it the product's
// current one; fault.Conflict if v.Version is not the next, fault.NotFound
// if there is no such product.
func (s *Catalog) AddPriceVersion(ctx context.Context, v catalog.PriceVersion) (err error) {
	defer fault.Annotate(&err, "store: add price version %d of product %s", v.Version, v.ProductID)
	return s.db.Update(ctx, func(tx *Tx) error {
		var current int
		if err := tx.QueryRow(`SELECT price_version FROM products WHERE id = ?`, v.ProductID).Scan(&current); err != nil {
			return s.notFound(err, "product %s does not exist", v.ProductID)
		}
		if v.Version != current+1 {
			return fault.New(fault.Conflict, "product %s is at price version %d; the next is %d, not %d", v.ProductID, current, current+1, v.Version)
		}
		if err := insertPriceVersion(tx, v); err != nil {
			return err
		}
		return s.rewriteProduct(tx, v.ProductID, func(d *productDoc) { d.Pricing = pricingDocOf(v.Pricing) },
			`price_version = ?, updated_at = ?`, v.Version, v.CreatedAt.UnixNano())
	})
}

// ListPriceVersions returns a product's price versions, oldest first;
// fault.NotFound if there is no such product.
func (s *Catalog) ListPriceVersions(ctx context.Context, productID string) (vs []catalog.PriceVersion, err error) {
	defer fault.Annotate(&err, "store: list the price versions of product %s", productID)
	rows, err := s.db.query(ctx, `SELECT version, effective_at, created_at, doc FROM price_versions WHERE product_id = ? ORDER BY version`, productID)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		v := catalog.PriceVersion{ProductID: productID}
		var effective, created int64
		var doc string
		if err := rows.Scan(&v.Version, &effective, &created, &doc); err != nil {
			return nil, s.db.classify(err)
		}
		var d pricingDoc
		if err := decodeDoc(doc, &d, "price version"); err != nil {
			return nil, err
		}
		v.Pricing, v.EffectiveAt, v.CreatedAt = d.pricing(), fromNanos(effective), fromNanos(created)
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.classify(err)
	}
	if len(vs) == 0 { // every product has version 1
		return nil, fault.New(fault.NotFound, "product %s does not exist", productID)
	}
	return vs, nil
}

// CreateOffer stores an offer and its buyers; fault.NotFound if its
// product does not exist, fault.Conflict if its ID is taken.
func (s *Catalog) CreateOffer(ctx context.Context, o catalog.Offer) (err error) {
	defer fault.Annotate(&err, "store: create offer %s", o.ID)
	doc, err := encodeDoc(offerDocOf(o), "offer")
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`INSERT INTO offers (id, product_id, seller, created_at, doc) VALUES (?, ?, ?, ?, ?)`,
			o.ID, o.ProductID, o.Seller, o.CreatedAt.UnixNano(), doc); err != nil {
			if fault.Is(s.db.classify(err), fault.NotFound) {
				return fault.New(fault.NotFound, "product %s does not exist", o.ProductID)
			}
			return err
		}
		for _, b := range o.Buyers {
			if _, err := tx.Exec(`INSERT INTO offer_buyers (offer_id, buyer) VALUES (?, ?)`, o.ID, b); err != nil {
				return err
			}
		}
		return nil
	})
}

const selectOffer = `SELECT o.id, o.product_id, o.seller, o.created_at, o.doc FROM offers o`

func scanOffer(row scanner) (catalog.Offer, error) {
	var o catalog.Offer
	var created int64
	var doc string
	if err := row.Scan(&o.ID, &o.ProductID, &o.Seller, &created, &doc); err != nil {
		return catalog.Offer{}, err
	}
	var d offerDoc
	if err := decodeDoc(doc, &d, "offer "+o.ID); err != nil {
		return catalog.Offer{}, err
	}
	o.CreatedAt = fromNanos(created)
	return o, d.fill(&o)
}

// GetOffer returns an offer by ID.
func (s *Catalog) GetOffer(ctx context.Context, id string) (o catalog.Offer, err error) {
	defer fault.Annotate(&err, "store: read offer %s", id)
	o, err = scanOffer(s.db.queryRow(ctx, selectOffer+` WHERE o.id = ?`, id))
	return o, s.notFound(err, "offer %s does not exist", id)
}

// ListOffersBySeller returns the offers a seller made, oldest first.
func (s *Catalog) ListOffersBySeller(ctx context.Context, seller string) (out []catalog.Offer, err error) {
	defer fault.Annotate(&err, "store: list the offers %s made", seller)
	rows, err := s.db.query(ctx, selectOffer+` WHERE o.seller = ? ORDER BY o.created_at, o.id`, seller)
	return s.collectOffers(rows, err)
}

// ListOffersForBuyer returns the offers made to a buyer, oldest first.
func (s *Catalog) ListOffersForBuyer(ctx context.Context, buyer string) (out []catalog.Offer, err error) {
	defer fault.Annotate(&err, "store: list the offers made to %s", buyer)
	rows, err := s.db.query(ctx, selectOffer+` JOIN offer_buyers b ON b.offer_id = o.id WHERE b.buyer = ? ORDER BY o.created_at, o.id`, buyer)
	return s.collectOffers(rows, err)
}

func (s *Catalog) collectOffers(rows *sql.Rows, err error) ([]catalog.Offer, error) {
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	var out []catalog.Offer
	for rows.Next() {
		o, err := scanOffer(rows)
		if err != nil {
			return nil, s.db.classify(err)
		}
		out = append(out, o)
	}
	return out, s.db.classify(rows.Err())
}

// PutInstanceTypes replaces the operator's catalogue, keeping its order.
func (s *Catalog) PutInstanceTypes(ctx context.Context, types []catalog.InstanceType) (err error) {
	defer fault.Annotate(&err, "store: put %d instance types", len(types))
	return s.db.Update(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(`DELETE FROM instance_types`); err != nil {
			return err
		}
		for i, t := range types {
			var current any // NULL: not stated
			if t.CurrentGeneration != nil {
				current = boolInt(*t.CurrentGeneration)
			}
			if _, err := tx.Exec(`INSERT INTO instance_types (name, position, vcpus, memory_mib, base_hourly, architectures, current_generation)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, t.Name, i, t.VCPUs, t.MemoryMiB, t.BaseHourly.Micros(), strings.Join(t.Architectures, ","), current); err != nil {
				return err
			}
		}
		return nil
	})
}

// InstanceTypes returns the catalogue in the order it was put; empty if
// none was ever put.
func (s *Catalog) InstanceTypes(ctx context.Context) (types []catalog.InstanceType, err error) {
	defer fault.Annotate(&err, "store: read the instance types")
	rows, err := s.db.query(ctx, `SELECT name, vcpus, memory_mib, base_hourly, architectures, current_generation FROM instance_types ORDER BY position`)
	if err != nil {
		return nil, s.db.classify(err)
	}
	defer rows.Close()
	for rows.Next() {
		var t catalog.InstanceType
		var micros int64
		var archs string
		var current sql.NullInt64
		if err := rows.Scan(&t.Name, &t.VCPUs, &t.MemoryMiB, &micros, &archs, &current); err != nil {
			return nil, s.db.classify(err)
		}
		t.BaseHourly = money.Amount(micros)
		if archs != "" {
			t.Architectures = strings.Split(archs, ",")
		}
		if current.Valid {
			b := current.Int64 != 0
			t.CurrentGeneration = &b
		}
		types = append(types, t)
	}
	return types, s.db.classify(rows.Err())
}
