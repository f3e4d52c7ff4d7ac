"""Corpus files of a home directory: shell profiles, .netrc, .pgpass, .git-credentials,
registry and cloud CLI configs."""

from __future__ import annotations

import base64

from benchmarks.credfiles.model import CorpusFile, Draw, _aws, _file
from scaffold.scan.examples import aws_documentation_keys


def shell_profiles(d: Draw) -> list[CorpusFile]:
    key_id, secret = _aws(d)
    doc_id, doc_secret = aws_documentation_keys()
    return [
        _file(
            d,
            "shell profiles",
            "home/alice/.bashrc",
            [
                "# ~/.bashrc",
                "export PATH=$HOME/bin:$PATH",
                "HISTSIZE=1000",
                (f"export AWS_ACCESS_KEY_ID={key_id}",),
                (f"export AWS_SECRET_ACCESS_KEY={secret}",),
                (f"export GITHUB_TOKEN={d('{{github:ghp}}')}",),
                (f"export DATABASE_PASSWORD='{d.password()}'",),
                "alias ll='ls -la'",
                (
                    'export SLACK_API_TOKEN="'
                    + d("xoxp-{{digits:12}}-{{digits:12}}-{{digits:12}}-{{hex:32}}")
                    + '"',
                ),
            ],
        ),
        _file(
            d,
            "shell profiles",
            "home/bob/.zshrc",
            [
                "export ZSH=$HOME/.oh-my-zsh",
                "plugins=(git docker)",
                (f'export OPENAI_API_KEY="{d("sk-proj-{{alnum:74}}T3BlbkFJ{{alnum:74}}")}"',),
                (f"export MLAB_PASS={d.password()}",),
                (f"export HOMEBREW_GITHUB_API_TOKEN={d('{{hex:40}}')}",),
                "export EDITOR=vim",
                (
                    f"alias dbprod='psql postgresql://admin:{d('{{alnum:18}}')}@db.internal:5432/app'",
                ),
            ],
        ),
        _file(
            d,
            "shell profiles",
            "home/carol/.config/fish/config.fish",
            [
                "set -gx PATH $HOME/.local/bin $PATH",
                (f"set -gx STRIPE_SECRET_KEY {d('sk_live_{{alnum:24}}')}",),
                (f"set -x SMTP_PASSWORD {d.password()}",),
            ],
        ),
        _file(
            d,
            "shell profiles",
            "home/dan/.profile",
            [
                "umask 022",
                (f"export SENDGRID_API_KEY={d('SG.{{alnum:22}}.{{alnum:43}}')}",),
                (f"export APP_SECRET={d('{{alnum:40}}')}",),
            ],
        ),
        _file(
            d,
            "shell profiles",
            "home/erin/.bash_profile",
            [
                "export API_TOKEN=$(pass show api/token)",
                'export GITHUB_TOKEN="${GITHUB_TOKEN:-}"',
                "export DB_PASSWORD=changeme",
                f"export AWS_ACCESS_KEY_ID={doc_id}",
                f"export AWS_SECRET_ACCESS_KEY={doc_secret}",
                "export TOKEN_FILE=~/.config/token",
                "export PASSWORD_STORE_DIR=$HOME/.password-store",
                'PS1="\\u@\\h:\\w\\$ "',
                "export NPM_TOKEN=your-npm-token-here",
            ],
        ),
    ]


def netrc(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "netrc",
            "home/alice/.netrc",
            [
                (f"machine api.heroku.com login alice@example.com password {d('{{uuid}}')}",),
                (f"machine git.heroku.com login alice@example.com password {d('{{uuid}}')}",),
            ],
        ),
        _file(
            d,
            "netrc",
            "home/bob/.netrc",
            [
                "machine ftp.example.org",
                "  login bob",
                (f"  password {d.password()}",),
                "machine imap.example.org",
                "  login bob@example.org",
                (f"  password {d.password()}",),
                "default login anonymous",
                (f"  password {d('{{alnum:12}}')}",),
            ],
        ),
        _file(
            d,
            "netrc",
            "ci/_netrc",
            [
                (f"machine github.com login x-access-token password {d('{{github:ghs}}')}",),
            ],
        ),
        _file(
            d,
            "netrc",
            "docs/netrc.example",
            [
                "machine api.example.com login deploy password ${NETRC_PASSWORD}",
                "machine api.example.com login deploy password <password>",
                "machine api.example.com login deploy password changeme",
            ],
        ),
    ]


def pgpass(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "pgpass",
            "home/alice/.pgpass",
            [
                "#hostname:port:database:username:password",
                (f"localhost:5432:app:app:{d.password()}",),
                (f"db.internal:5432:*:report:{d('{{alnum:20}}')}",),
                (f"*:*:*:postgres:{d.password()}",),
            ],
        ),
        _file(
            d,
            "pgpass",
            "ops/pgpass.conf",
            [
                (f"pgbouncer.internal:6432:app:app:{d.password()}",),
            ],
        ),
        _file(
            d,
            "pgpass",
            "templates/pgpass.template",
            [
                "localhost:5432:app:app:${PGPASSWORD}",
                "localhost:5432:app:app:changeme",
            ],
        ),
    ]


def git_credentials(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "git-credentials",
            "home/alice/.git-credentials",
            [
                (f"https://alice:{d('{{alnum:16}}')}@github.com",),
                (f"https://x-access-token:{d('{{github:ghs}}')}@github.com",),
                (f"https://oauth2:{d('glpat-{{b64url:20}}')}@gitlab.com",),
                (f"https://bob:{d('{{alnum:20}}')}@bitbucket.org",),
            ],
        ),
        _file(
            d,
            "git-credentials",
            "docs/git-credentials.md",
            [
                "Store credentials with `git config credential.helper store`.",
                "https://github.com",
                "https://alice@github.com",
                "https://USERNAME:TOKEN@github.com",
                "https://user:${GIT_TOKEN}@github.com",
            ],
        ),
    ]


def npmrc(d: Draw) -> list[CorpusFile]:
    userpass = base64.b64encode(f"admin:{d.password()}".encode()).decode()
    password = base64.b64encode(d.password().encode()).decode()
    return [
        _file(
            d,
            "npmrc",
            "app/.npmrc",
            [
                "registry=https://registry.npmjs.org/",
                "always-auth=true",
                (f"//registry.npmjs.org/:_authToken={d('{{npm}}')}",),
            ],
        ),
        _file(
            d,
            "npmrc",
            "legacy/.npmrc",
            [
                "email=ops@example.com",
                (f"_auth = {userpass}",),
                (f"//npm.internal/:_authToken={d('{{uuid}}')}",),
            ],
        ),
        _file(
            d,
            "npmrc",
            "corp/.npmrc",
            [
                "registry=https://artifactory.internal/api/npm/npm/",
                "//artifactory.internal/api/npm/npm/:username=ci",
                (f"//artifactory.internal/api/npm/npm/:_password={password}",),
                (f"//npm.pkg.github.com/:_authToken={d('{{github:ghp}}')}",),
            ],
        ),
        _file(
            d,
            "npmrc",
            "template/.npmrc",
            [
                "//registry.npmjs.org/:_authToken=${NPM_TOKEN}",
                "registry=https://registry.npmjs.org/",
                "package-lock=false",
            ],
        ),
    ]


def pypirc(d: Draw) -> list[CorpusFile]:
    return [
        _file(
            d,
            "pypirc",
            "home/alice/.pypirc",
            [
                "[distutils]",
                "index-servers =",
                "    pypi",
                "    internal",
                "",
                "[pypi]",
                "username = __token__",
                (f"password = {d('{{pypi}}')}",),
                "",
                "[internal]",
                "repository = https://pypi.internal/simple",
                "username = alice",
                (f"password = {d.password()}",),
            ],
        ),
        _file(
            d,
            "pypirc",
            "ci/.pypirc",
            [
                "[testpypi]",
                "username = __token__",
                (f"password = {d('{{pypi:test.pypi.org}}')}",),
            ],
        ),
        _file(
            d,
            "pypirc",
            "docs/pypirc.sample",
            [
                "[pypi]",
                "username = __token__",
                "password = <your PyPI token>",
                "",
                "[internal]",
                "username = alice",
                "password = ${PYPI_PASSWORD}",
            ],
        ),
    ]


def docker_configs(d: Draw) -> list[CorpusFile]:
    def auth() -> str:
        return base64.b64encode(f"deploy:{d('{{alnum:24}}')}".encode()).decode()

    return [
        _file(
            d,
            "docker config",
            "home/alice/.docker/config.json",
            [
                "{",
                '  "auths": {',
                '    "https://index.docker.io/v1/": {',
                (f'      "auth": "{auth()}"',),
                "    },",
                '    "registry.internal:5000": {',
                '      "email": "ops@example.com",',
                (f'      "auth": "{auth()}"',),
                "    },",
                '    "acr.azurecr.io": {',
                '      "auth": "",',
                (f'      "identitytoken": "{d("{{b64url:120}}")}"',),
                "    }",
                "  }",
                "}",
            ],
        ),
        _file(
            d,
            "docker config",
            "home/bob/.dockercfg",
            [
                "{",
                '  "https://index.docker.io/v1/": {',
                '    "email": "bob@example.com",',
                (f'    "auth": "{auth()}"',),
                "  }",
                "}",
            ],
        ),
        _file(
            d,
            "docker config",
            "home/carol/.docker/config.json",
            [
                "{",
                '  "auths": {',
                '    "https://index.docker.io/v1/": {}',
                "  },",
                '  "credsStore": "desktop",',
                '  "currentContext": "default"',
                "}",
            ],
        ),
    ]


def cloud_clis(d: Draw) -> list[CorpusFile]:
    key_id, secret = _aws(d)
    key_id2, secret2 = _aws(d)
    doc_id, doc_secret = aws_documentation_keys()
    return [
        _file(
            d,
            "cloud CLI configs",
            "home/alice/.aws/credentials",
            [
                "[default]",
                (f"aws_access_key_id = {key_id}",),
                (f"aws_secret_access_key = {secret}",),
                "",
                "[ci]",
                (f"aws_access_key_id={key_id2}",),
                (f"aws_secret_access_key={secret2}",),
                (f"aws_session_token={d('{{b64:300}}')}",),
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "home/alice/.aws/config",
            [
                "[default]",
                "region = eu-west-1",
                "output = json",
                "",
                "[profile admin]",
                "role_arn = arn:aws:iam::123456789012:role/admin",
                "source_profile = default",
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "home/bob/.s3cfg",
            [
                "[default]",
                (f"access_key = {d('AKIA{{base32:16}}')}",),
                (f"secret_key = {d('{{b64:40}}')}",),
                "host_base = nyc3.digitaloceanspaces.com",
                "host_bucket = %(bucket)s.nyc3.digitaloceanspaces.com",
                "use_https = True",
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "home/bob/.config/hub",
            [
                "github.com:",
                "- user: bob",
                (f"  oauth_token: {d('{{github:gho}}')}",),
                "  protocol: https",
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "home/carol/.config/gcloud/application_default_credentials.json",
            [
                "{",
                f'  "client_id": "{d("{{digits:12}}-{{lower_alnum:32}}")}'
                '.apps.googleusercontent.com",',
                (f'  "client_secret": "{d("GOCSPX-{{b64url:28}}")}",',),
                (f'  "refresh_token": "{d("1//0{{b64url:60}}")}",',),
                '  "type": "authorized_user"',
                "}",
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "home/carol/.config/doctl/config.yaml",
            [
                (f"access-token: {d('dop_v1_{{hex:64}}')}",),
                "context: default",
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "home/dan/.heroku.env",
            [
                (f"HEROKU_API_KEY={d('HRKU-{{b64url:60}}')}",),
                "HEROKU_APP=acme-api",
            ],
        ),
        _file(
            d,
            "cloud CLI configs",
            "docs/aws.md",
            [
                "Configure the CLI with the example keys from the AWS documentation:",
                f"aws_access_key_id = {doc_id}",
                f"aws_secret_access_key = {doc_secret}",
                "aws_secret_access_key = <your secret key>",
            ],
        ),
    ]
