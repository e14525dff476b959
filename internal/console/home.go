package console

import "net/http"

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	me := c.requireViewer(w, r, "/console/")
	if me == nil {
		return
	}
	c.render(w, r, http.StatusOK, "home", view{Title: "Home", Me: me, Section: "home"})
}
