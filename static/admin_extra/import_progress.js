'use strict';
// The upload progress page, live: asks the page's JSON for the job's progress every second
// and shows it; once the step is over, loads the page again for its preview or result.
// Without JavaScript the page refreshes itself (<noscript><meta http-equiv="refresh">).
{
    const box = document.querySelector('[data-progress-url]');
    if (box) {
        const bar = box.querySelector('progress');
        const state = box.querySelector('.import-progress__state');
        const poll = async () => {
            try {
                const answer = await fetch(box.dataset.progressUrl, {headers: {Accept: 'application/json'}});
                const job = await answer.json();
                if (!job.running) {
                    window.location.reload();
                    return;
                }
                bar.max = Math.max(job.total, 1);
                bar.value = job.done;
                bar.textContent = `${job.done} of ${job.total}`;
                state.textContent = job.state;
            } catch (error) {
                // A failed poll is no news: try again at the next tick.
            }
            window.setTimeout(poll, 1000);
        };
        window.setTimeout(poll, 1000);
    }
}
