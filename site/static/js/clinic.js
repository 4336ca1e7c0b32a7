// The clinic dashboard's selection, enhanced: every page works without this file (each button
// of the form saves the page's ticks first). With it, a tick is saved at once, so the count
// stays right and the ticks survive any link (sorting, filters), and "Select all on this page"
// ticks the boxes in place.
(function () {
    "use strict";

    function save(form, select) {
        const data = new FormData();
        data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
        form.querySelectorAll("input[name=shown]").forEach((input) => data.append("shown", input.value));
        form.querySelectorAll("input[name=staff]:checked").forEach((input) => data.append("staff", input.value));
        if (select) data.append("select", select);
        return fetch(form.action, {
            method: "POST",
            body: data,
            credentials: "same-origin",
            headers: { Accept: "application/json" },
        })
            .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
            .then((result) => {
                const count = form.querySelector("[data-selection-count]");
                if (count) count.textContent = String(result.selected);
            })
            .catch(() => {
                // Not saved now: the next button pressed in the form saves the ticks anyway.
            });
    }

    function setUp() {
        const form = document.querySelector("[data-staff-selection]");
        if (!form) return;
        form.addEventListener("change", (event) => {
            if (event.target.matches("input[name=staff]")) save(form);
        });
        const selectPage = form.querySelector("[data-select-page]");
        if (selectPage) {
            selectPage.addEventListener("click", (event) => {
                event.preventDefault();
                form.querySelectorAll("input[name=staff]").forEach((input) => {
                    input.checked = true;
                });
                save(form, "page");
            });
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", setUp);
    } else {
        setUp();
    }
})();
