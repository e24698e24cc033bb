from django import template

from core.links import web_url

register = template.Library()
register.filter("web_url", web_url)
