// The chair-side assessment screen: each change is saved as it is made (like quiz answers).
// Unsent changes are kept in this browser (localStorage, per assessment) and sent again when
// the connection returns or the page is opened again. Without JavaScript, "Save draft" posts
// the same form.
(function () {
    "use strict";
    const form = document.querySelector("[data-assess-form]");
    if (!form) return;
    const status = document.querySelector("[data-save-status]");
    const saveUrl = form.dataset.saveUrl;
    const key = form.dataset.draftKey;
    let dirty = false;
    let saving = null;
    let retry = null;
    let leaving = false;

    function say(text, pending) {
        if (!status) return;
        status.textContent = text;
        status.classList.toggle("save-status--pending", Boolean(pending));
    }

    function fields() {
        const pairs = [];
        new FormData(form).forEach((value, name) => {
            if (name !== "csrfmiddlewaretoken" && name !== "sign") pairs.push([name, value]);
        });
        return pairs;
    }

    function keep() {
        try {
            window.localStorage.setItem(key, JSON.stringify(fields()));
        } catch (error) { /* storage full or disabled: the retry still holds the form */ }
    }

    function forget() {
        try { window.localStorage.removeItem(key); } catch (error) { /* nothing kept */ }
    }

    // A draft kept from a visit whose last changes never reached the server: put it back.
    function restore() {
        let kept = null;
        try { kept = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (error) { kept = null; }
        if (!Array.isArray(kept)) return false;
        kept.forEach(([name, value]) => {
            form.querySelectorAll("[name='" + CSS.escape(name) + "']").forEach((input) => {
                if (input.type === "radio") input.checked = input.value === value;
                else input.value = value;
            });
        });
        return true;
    }

    function later() {
        if (retry) return;
        retry = window.setTimeout(() => { retry = null; save(); }, 10000);
    }

    // One save at a time; changes made while one is in flight are saved right after it.
    function save() {
        if (leaving || saving || !dirty) return saving || Promise.resolve();
        dirty = false;
        saving = fetch(saveUrl, {
            method: "POST",
            body: new FormData(form),
            headers: { Accept: "application/json" },
            credentials: "same-origin",
        })
            .then(async (response) => {
                const data = await response.json().catch(() => ({}));
                if (response.ok) {
                    if (!dirty) {
                        forget();
                        say("Saved " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
                    }
                } else if (response.status === 400 || response.status === 403 || response.status === 404) {
                    // Refused, not lost: say why; sending it again would be refused again.
                    forget();
                    say("Not saved: " + (data.error || "please reload the page"), true);
                } else {
                    dirty = true;
                    say("Not saved — will retry", true);
                    later();
                }
            })
            .catch(() => {
                dirty = true;
                say("Not saved — will retry", true);
                later();
            })
            .finally(() => {
                saving = null;
                if (dirty && !retry) save();
            });
        return saving;
    }

    function changed() {
        dirty = true;
        keep();
        save();
    }

    form.addEventListener("change", changed);
    form.addEventListener("input", (event) => {
        if (event.target.type === "radio") return;
        dirty = true;
        keep();
        say("Unsaved changes", true);
    });
    window.setInterval(save, 15000);
    window.addEventListener("online", save);
    form.addEventListener("submit", () => { leaving = true; forget(); });
    window.addEventListener("pageshow", (event) => { if (event.persisted) leaving = false; });

    if (restore()) {
        dirty = true;
        say("Sending changes kept from before…", true);
        save();
    }
})();
