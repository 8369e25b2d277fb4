"""Django's Jinja2 backend, whose templates announce their rendering as Django's own do.

Django's test client learns a response's context and templates from the
template_rendered signal, which only the Django engine sends; tests of pages
rendered by Jinja2 read `response.context` all the same. Without receivers
(outside tests) sending costs a check of an empty list.
"""

from django.template.backends import jinja2 as backend
from django.test.signals import template_rendered


class Template(backend.Template):
    def render(self, context=None, request=None):
        context = {} if context is None else context
        html = super().render(context, request)
        template_rendered.send(sender=self, template=self, context=context)
        return html


class Jinja2(backend.Jinja2):
    def get_template(self, template_name):
        return Template(super().get_template(template_name).template, self)

    def from_string(self, template_code):
        return Template(self.env.from_string(template_code), self)
