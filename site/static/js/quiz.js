// Quiz attempt enhancements: a visible countdown, autosave, and submit when time runs out.
// Without JavaScript the page still works: "Save answers" and "Finish" post the same form.
(function () {
    "use strict";
    const form = document.querySelector("[data-attempt-form]");
    if (!form) return;
    const status = document.querySelector("[data-save-status]");
    const timer = document.querySelector("[data-timer]");
    const saveUrl = form.dataset.saveUrl;
    const submitUrl = form.dataset.submitUrl;
    let dirty = false;
    let saving = null;
    let inFlight = null;
    let submitted = false;

    function say(text) {
        if (status) status.textContent = text;
    }

    // One save at a time; changes made while one is in flight are saved right after it.
    function save() {
        if (submitted) return Promise.resolve();
        if (saving) {
            return saving;
        }
        if (!dirty) return Promise.resolve();
        dirty = false;
        const body = new FormData(form);
        body.delete("next");
        inFlight = new AbortController();
        saving = fetch(saveUrl, {
            method: "POST",
            body: body,
            signal: inFlight.signal,
            headers: { Accept: "application/json" },
            credentials: "same-origin",
        })
            .then(async (response) => {
                const data = await response.json().catch(() => ({}));
                const pending = data.errors ? Object.keys(data.errors) : [];
                if (response.ok && pending.length) {
                    say("Saved, except question " + pending[0] + ": " + data.errors[pending[0]]);
                } else if (response.ok && !dirty) {
                    say("Saved " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
                } else if (data.closed) {
                    say(data.error);
                    window.location.reload();
                } else if (!response.ok) {
                    say("Not saved: " + (data.error || "please try again"));
                    dirty = true;
                }
            })
            .catch((error) => {
                if (error.name === "AbortError") return;
                say("Offline: answers will be saved when the connection returns");
                dirty = true;
            })
            .finally(() => {
                saving = inFlight = null;
                if (dirty) save();
            });
        return saving;
    }

    form.addEventListener("change", () => {
        dirty = true;
        save();
    });
    form.addEventListener("input", () => {
        dirty = true;
        say("Unsaved changes");
    });
    window.setInterval(save, 15000);
    window.addEventListener("online", save);
    // Submitting stops autosave, and a save still in flight is dropped: the form being submitted
    // carries every answer, and the server refuses a save that reaches it after a case stage's
    // commit or the attempt's submission, so the late reply is of no use to anyone.
    form.addEventListener("submit", () => {
        submitted = true;
        if (inFlight) inFlight.abort();
    });
    // Back to this page from the browser's history: the form is live again.
    window.addEventListener("pageshow", (event) => {
        if (event.persisted) submitted = false;
    });

    if (timer) {
        const end = Date.now() + Number(timer.dataset.secondsLeft) * 1000;
        const text = timer.querySelector("[data-timer-text]");
        let warned = false;
        const tick = () => {
            const left = Math.max(0, Math.round((end - Date.now()) / 1000));
            const minutes = Math.floor(left / 60);
            const seconds = String(left % 60).padStart(2, "0");
            text.textContent = minutes + ":" + seconds;
            if (left <= 60 && !warned) {
                warned = true;
                timer.classList.add("timer--low");
                timer.setAttribute("aria-live", "assertive");
                text.textContent += " — one minute left";
            }
            if (left === 0 && !submitted) {
                submitted = true;
                say("Time is up: submitting your answers");
                form.action = submitUrl;
                HTMLFormElement.prototype.submit.call(form);
                return;
            }
            window.setTimeout(tick, 1000);
        };
        tick();
    }
})();
