// Progressive enhancement only: every page works without this file. It is loaded in <head>
// without `defer` so that the "js" class is set before the first paint (a collapsed menu never
// flashes open); everything else waits for the document.
(function () {
    "use strict";
    const root = document.documentElement;
    root.classList.replace("no-js", "js");

    function setMenu(header, open) {
        header.classList.toggle("is-open", open);
        header.querySelector("[data-menu-toggle]").setAttribute("aria-expanded", String(open));
    }

    // Small screens: the header's navigation, search and account sit behind a Menu button.
    document.addEventListener("click", (event) => {
        const toggle = event.target.closest("[data-menu-toggle]");
        if (!toggle) return;
        const header = toggle.closest("[data-site-header]");
        setMenu(header, !header.classList.contains("is-open"));
    });
    document.addEventListener("keydown", (event) => {
        if (event.key !== "Escape") return;
        const header = document.querySelector("[data-site-header].is-open");
        if (!header || !header.contains(document.activeElement)) return;
        setMenu(header, false);
        header.querySelector("[data-menu-toggle]").focus();
    });

    // The quiz's attempt bar sticks to the top and wraps on narrow screens: keep its real height
    // in --attempt-bar-height, which the stylesheet adds to scroll-padding-top so that error
    // links and newly disclosed case stages land below it.
    function trackAttemptBar() {
        const bar = document.querySelector(".attempt-bar");
        if (!bar || !("ResizeObserver" in window)) return;
        new ResizeObserver(() => {
            root.style.setProperty("--attempt-bar-height", bar.offsetHeight + "px");
        }).observe(bar);
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", trackAttemptBar);
    } else {
        trackAttemptBar();
    }
})();
