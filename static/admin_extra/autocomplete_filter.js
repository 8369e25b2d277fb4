'use strict';
// The autocomplete list filters: choosing a value (or clearing it) applies the filter.
// select2 announces changes through jQuery, so listen with the admin's jQuery.
{
    const $ = django.jQuery;
    $(document).on('change', '.autocomplete-filter select', function() {
        // An empty choice means no filter: leave the parameter out of the URL.
        this.disabled = !this.value;
        this.form.submit();
    });
}
