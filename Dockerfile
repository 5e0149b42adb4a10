# Production image: gunicorn web, Celery worker and beat share it (docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango and HarfBuzz; gettext compiles the English translation.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
      fonts-dejavu-core gettext curl \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 1000 modig
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Static files are collected with the settings the container runs with: DEBUG off and
# PostgreSQL select the hashed manifest storage, whose staticfiles.json every page needs (with
# DEBUG=true no manifest was written and every page answered 500). These build-only values
# connect to nothing and are never used at run time; tests/modig/test_docker_image.py runs this
# same step.
RUN DEBUG=false SECRET_KEY=build-only-never-used-at-run-time-0123456789abcdefghij DATABASE_URL=postgres://build@127.0.0.1:5432/build python manage.py compilemessages --ignore=.venv -v 0 \
 && DEBUG=false SECRET_KEY=build-only-never-used-at-run-time-0123456789abcdefghij DATABASE_URL=postgres://build@127.0.0.1:5432/build python manage.py collectstatic --no-input -v 0 \
 && mkdir -p /data/media && chown -R modig /data /app
USER modig
EXPOSE 8000
CMD ["gunicorn", "modig.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
